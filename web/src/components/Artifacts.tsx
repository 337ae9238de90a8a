import { useEffect, useState } from 'react';
import { ArtifactContentDocument, WorkflowArtifactsDocument, type WorkflowArtifactsQuery } from '../__generated__/operations.ts';
import { authorization } from '../api/auth.ts';
import { ApiError, request } from '../api/client.ts';

type Artifact = NonNullable<WorkflowArtifactsQuery['workflow']>['artifacts'][number];

/** Saves a blob under a name: an object URL clicked as a download, then released. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const baseName = (path: string) => path.split('/').pop() || 'artifact';
const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/**
 * The files the workflow's tasks wrote, with downloads: one file (its content from the API) or all
 * of them as a zip. The zip URL needs the key's Authorization header like the API, which a plain
 * link cannot send: with a key it is fetched and saved as a blob. Read again when `version` changes.
 */
export function Artifacts({ workflowId, version }: { workflowId: string; version: string }) {
  const [files, setFiles] = useState<readonly Artifact[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    request(WorkflowArtifactsDocument, { id: workflowId })
      .then(({ workflow }) => live && setFiles(workflow?.artifacts ?? []))
      .catch((err: unknown) => live && setError(err instanceof ApiError ? err.message : 'the artifacts could not be read'));
    return () => {
      live = false;
    };
  }, [workflowId, version]);

  const download = async (path: string) => {
    setError(null);
    try {
      const { artifact } = await request(ArtifactContentDocument, { workflowId, path });
      if (!artifact) return setError(`${path} is gone`);
      save(new Blob([artifact.content], { type: 'text/plain;charset=utf-8' }), baseName(path));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : `${path} could not be read`);
    }
  };
  const zipUrl = `/workflows/${encodeURIComponent(workflowId)}/artifacts.zip`;
  const downloadZip = async () => {
    setError(null);
    const auth = authorization();
    try {
      const res = await fetch(zipUrl, { headers: auth ? { authorization: auth } : {} });
      if (!res.ok) return setError(`the zip could not be downloaded (${res.status})`);
      save(await res.blob(), `workflow-artifacts.zip`);
    } catch {
      setError('Baton is unreachable');
    }
  };

  if (files.length === 0 && !error) return null;
  return (
    <section className="card artifacts" aria-labelledby="artifacts-title">
      <div className="row">
        <h2 id="artifacts-title">
          Artifacts <span className="muted">{files.length}</span>
        </h2>
        {authorization() ? (
          <button type="button" className="secondary" data-download="zip" onClick={() => void downloadZip()}>
            Download all (.zip)
          </button>
        ) : (
          <a href={zipUrl} download data-download="zip">
            Download all (.zip)
          </a>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="artifact-list">
        <tbody>
          {files.map((f) => (
            <tr key={f.path} data-artifact-path={f.path}>
              <td>
                <button type="button" className="link" onClick={() => void download(f.path)} title={`Download ${f.path}`}>
                  {f.path}
                </button>
              </td>
              <td className="muted">{size(f.size)}</td>
              <td className="muted">{f.writtenBy ? `by #${f.writtenBy.key}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
