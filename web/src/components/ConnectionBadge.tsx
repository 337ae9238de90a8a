import { useEffect, useState } from 'react';
import { connectionState, onConnectionState, type ConnectionState } from '../api/client.ts';

const LABEL: Record<ConnectionState, string> = { connecting: 'Connecting…', connected: 'Live', disconnected: 'Reconnecting…' };

/** The graphql-ws socket's state; `data-connection` is the state name. */
export function ConnectionBadge() {
  const [state, setState] = useState(connectionState);
  useEffect(() => onConnectionState(setState), []);
  return (
    <span className={`connection connection-${state}`} data-connection={state} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
