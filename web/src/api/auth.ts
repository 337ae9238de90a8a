/**
 * The API key for this browser session. Asked for once (when the server answers UNAUTHENTICATED),
 * kept in sessionStorage: it lives as long as the tab and is never written to disk by us.
 */
const STORAGE_KEY = 'baton.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the key lasts until the page reloads.
  }
  memoryKey = key;
}

let memoryKey: string | null = null;

/** The Authorization header value, or undefined without a key. */
export function authorization(): string | undefined {
  const key = memoryKey ?? storedKey();
  return key ? `Bearer ${key}` : undefined;
}
