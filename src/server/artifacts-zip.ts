import { zipSync } from 'fflate';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/principal.ts';
import { isUuid } from '../schema/ids.ts';
import type { Services } from '../services/types.ts';

const ZIP_PATH = /^\/workflows\/([^/]+)\/artifacts\.zip$/;

/**
 * `GET /workflows/<id>/artifacts.zip`: every file of the workflow's workspace, in one zip. Protected
 * like the API (the same principal hook: 401 without a valid key); a workflow of another tenant
 * answers 404 exactly like an unknown one. The workspace's own limits bound the archive's size.
 */
export function useArtifactsZip(services: Services, resolvePrincipal: (request: Request) => Promise<Principal>): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const m = ZIP_PATH.exec(url.pathname);
      if (!m) return;
      const text = (body: string, status: number, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/plain', ...headers } }));
      if (request.method !== 'GET') return text('only GET', 405, { allow: 'GET' });
      let principal: Principal;
      try {
        principal = await resolvePrincipal(request);
      } catch {
        return text('unauthenticated', 401, { 'www-authenticate': 'Bearer' });
      }
      let raw = '';
      try {
        raw = decodeURIComponent(m[1]!).replace(/^Workflow:/, '');
      } catch {
        // a malformed escape names no workflow
      }
      const id = isUuid(raw) ? raw.toLowerCase() : null;
      const owned = id && (await services.db.knex('workflows').where({ id, tenant: principal.tenant }).first('id'));
      if (!id || !owned) return text('workflow not found', 404);
      try {
        const files: Record<string, Uint8Array> = {};
        for (const f of await services.workspace.list(id)) {
          const file = await services.workspace.read(id, f.path);
          if (file) files[f.path] = new TextEncoder().encode(file.content);
        }
        const zip = zipSync(files, { level: 6, mtime: new Date() });
        endResponse(
          new fetchAPI.Response(zip, {
            status: 200,
            headers: { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="workflow-${id}-artifacts.zip"`, 'cache-control': 'no-store' },
          }),
        );
      } catch (err) {
        services.logger.warn({ workflowId: id, err: err instanceof Error ? err.name : 'error' }, 'could not build an artifacts zip');
        text('the artifacts could not be read', 500);
      }
    },
  };
}
