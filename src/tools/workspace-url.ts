/** Where an S3 workspace lives, parsed from WORKSPACE_URL. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
  /** An S3-compatible store's origin (MinIO, R2, …), addressed path-style; unset: AWS S3. */
  endpoint?: string;
}

export const WORKSPACE_URL_FORMAT =
  's3://bucket[/prefix] (AWS S3), or http(s)://host[:port]/bucket[/prefix] for an S3-compatible store (path-style); no credentials, query or fragment in the URL';

/**
 * WORKSPACE_URL -> bucket, prefix and endpoint; null when it is not one of the two forms. Pure.
 * Credentials never ride in the URL (they come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), so
 * the URL can be logged and shown in errors.
 */
export function parseWorkspaceUrl(raw: string): S3Location | null {
  // URL parsing would resolve "a/../b" to "b" silently: a dot segment is refused as written.
  if (/\/(\.|%2e){1,2}(\/|$)/i.test(raw)) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.username || u.password || u.search || u.hash) return null;
  let segments: string[];
  if (u.protocol === 's3:') {
    // new URL keeps a non-special scheme's host as written: s3://bucket/prefix has host "bucket".
    segments = [u.host, ...u.pathname.split('/').slice(1)];
  } else if (u.protocol === 'http:' || u.protocol === 'https:') {
    segments = u.pathname.split('/').slice(1);
  } else {
    return null;
  }
  while (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const [bucket = '', ...rest] = segments;
  if (!isBucketName(bucket)) return null;
  let prefix: string;
  try {
    prefix = rest.map((s) => decodeURIComponent(s)).join('/');
  } catch {
    return null;
  }
  // A prefix is a folder of keys: no empty, "." or ".." segments, no control characters.
  // eslint-disable-next-line no-control-regex
  if (rest.some((s) => s === '' || s === '.' || s === '..') || /[\u0000-\u001f\u007f\\]/.test(prefix) || prefix.length > 512) return null;
  return { bucket, prefix, ...(u.protocol === 's3:' ? {} : { endpoint: u.origin }) };
}

/** S3's bucket naming rules (3–63 lower-case letters, digits, dots and hyphens; no IP address). */
function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}
