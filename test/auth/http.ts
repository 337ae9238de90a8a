/** Raw GraphQL over a yoga fetch with an optional key, for access-control tests (untyped on purpose). */
export interface Answer {
  status: number;
  headers: Headers;
  data: Record<string, any> | null | undefined;
  errors: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }> | undefined;
}

type FetchFn = (input: string, init: RequestInit) => Promise<Response> | Response;

export function poster(fetch: FetchFn) {
  return async (query: string, opts: { key?: string; authorization?: string; variables?: Record<string, unknown> } = {}): Promise<Answer> => {
    const authorization = opts.authorization ?? (opts.key ? `Bearer ${opts.key}` : undefined);
    const res = await fetch('http://baton.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query, variables: opts.variables }),
    });
    const json = (await res.json()) as { data?: Record<string, any> | null; errors?: Answer['errors'] };
    return { status: res.status, headers: res.headers, data: json.data, errors: json.errors };
  };
}

export const codes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code);

export const CREATE_WORKFLOW = `mutation { createWorkflow(input: {description: "roles", tasks: [{key: "1", agent: "@backend", description: "x"}]}) { id } }`;
export const CREATE_AGENT = `mutation { createAgent(input: {name: "auditor", role: "Audits"}) { name } }`;
export const CREATE_KEY = `mutation($role: Role!, $name: String) { createApiKey(input: {role: $role, name: $name}) { key apiKey { id name role createdAt lastUsedAt revokedAt } } }`;
export const ME = `{ me { tenant role keyName } }`;
