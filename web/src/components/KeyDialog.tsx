import { useState } from 'react';

/** Asks for an API key once; it is kept in sessionStorage for this browser session. */
export function KeyDialog({ error, onSubmit }: { error: string | null; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      className="key-dialog card"
      aria-labelledby="key-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onSubmit(key.trim());
      }}
    >
      <h1 id="key-title">API key</h1>
      <p>
        This Baton requires an API key (e.g. from <code>npm run keys</code>). It is kept for this browser session only.
      </p>
      {error && <p className="error">{error}</p>}
      <label>
        Key
        <input name="apiKey" type="password" autoComplete="off" autoFocus value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <button type="submit">Use this key</button>
    </form>
  );
}
