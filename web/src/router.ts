import { useEffect, useState } from 'react';

/** Client routes: `/` (the list) and `/workflows/<id>`. The server answers both with index.html. */
export type Route = { page: 'list' } | { page: 'workflow'; id: string };

export function parseRoute(pathname: string): Route {
  const m = /^\/workflows\/([^/]+)\/?$/.exec(pathname);
  if (m) {
    try {
      return { page: 'workflow', id: decodeURIComponent(m[1]!) };
    } catch {
      return { page: 'list' };
    }
  }
  return { page: 'list' };
}

export const workflowPath = (id: string): string => `/workflows/${encodeURIComponent(id)}`;

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}
