import { useCallback, useEffect, useState } from 'react';
import { MeDocument, type Role } from './__generated__/operations.ts';
import { storeKey } from './api/auth.ts';
import { ApiError, request, resetConnection, setUnauthenticatedHandler } from './api/client.ts';
import { ConnectionBadge } from './components/ConnectionBadge.tsx';
import { KeyDialog } from './components/KeyDialog.tsx';
import { WorkflowList } from './pages/WorkflowList.tsx';
import { WorkflowPage } from './pages/WorkflowPage.tsx';
import { navigate, useRoute } from './router.ts';

/** The shell: who the caller is (me.role decides which actions are offered), the key prompt, and the page of the route. */
export function App() {
  const route = useRoute();
  const [role, setRole] = useState<Role | null>(null);
  const [needKey, setNeedKey] = useState(false);
  const [keyError, setKeyError] = useState<string | null>(null);
  /** Bumped when a key is entered: pages read again with it. */
  const [session, setSession] = useState(0);

  const loadMe = useCallback(async () => {
    try {
      const { me } = await request(MeDocument, {});
      setRole(me.role);
      setNeedKey(false);
      setKeyError(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') {
        setKeyError(err.message);
        setNeedKey(true);
      }
    }
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => setNeedKey(true));
    void loadMe();
  }, [loadMe]);

  const submitKey = (key: string) => {
    storeKey(key);
    resetConnection();
    setSession((s) => s + 1);
    void loadMe();
  };

  return (
    <div className="app">
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          Baton
        </a>
        <span className="role" title="Your key's role">
          {role ?? ''}
        </span>
        <ConnectionBadge />
      </header>
      {needKey ? (
        <KeyDialog error={keyError} onSubmit={submitKey} />
      ) : (
        <main key={session}>{route.page === 'workflow' ? <WorkflowPage key={route.id} id={route.id} role={role} /> : <WorkflowList role={role} />}</main>
      )}
    </div>
  );
}
