import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { BatonError } from '../errors.ts';
import type { Config } from '../config.ts';
import { checkWorkflowId, checkWriteLimits, type Workspace, WorkspaceError, type WorkspaceFile, workspacePath } from './workspace.ts';

/**
 * The S3 store failed or refused a request (down, no such bucket, access denied): not the caller's
 * fault. `cause` and `status` (a 429 or 5xx of the store) let a task's retry policy tell a passing
 * outage, worth another attempt, from a refusal.
 */
export class WorkspaceStoreError extends BatonError {
  readonly status?: number;
  constructor(message: string, cause?: unknown) {
    super('WORKSPACE_UNAVAILABLE', message);
    this.cause = cause;
    const status = cause instanceof S3ServiceException ? cause.$metadata.httpStatusCode : undefined;
    if (status !== undefined && (status === 429 || status >= 500)) this.status = status;
  }
}

type S3Config = NonNullable<Config['workspaceS3']>;

/** HEAD requests in flight at once while listing (a workspace holds at most 500 files). */
const HEAD_CONCURRENCY = 8;
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

/**
 * The workspace in an S3(-compatible) bucket (WORKSPACE_URL), usable in every mode: workers on
 * several machines share it. A file is the object `<prefix>/<workflowId>/<path>`; who wrote it and
 * when ride as its metadata (`x-amz-meta-written-by`, `x-amz-meta-updated-at`), so a write is one
 * PUT that replaces by path and no shared index can be lost to two writers. Paths are checked by
 * workspacePath like every adapter's; objects under the prefix that are no valid path are ignored.
 */
export function createS3Workspace(c: S3Config, now: () => number): Workspace & { close(): void } {
  const client = new S3Client(clientConfig(c));
  const base = (workflowId: string) => `${c.prefix ? `${c.prefix}/` : ''}${checkWorkflowId(workflowId)}/`;

  /** Every object of the workflow: its path and size (one ListObjectsV2 page per 1000). */
  async function objects(prefix: string): Promise<Array<{ path: string; key: string; size: number }>> {
    const out: Array<{ path: string; key: string; size: number }> = [];
    let token: string | undefined;
    do {
      const page = await call(() => client.send(new ListObjectsV2Command({ Bucket: c.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const o of page.Contents ?? []) {
        const path = o.Key?.slice(prefix.length) ?? '';
        if (isPath(path)) out.push({ path, key: o.Key!, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  return {
    close: () => client.destroy(),
    async list(workflowId) {
      const files = await mapLimit(await objects(base(workflowId)), HEAD_CONCURRENCY, async (o) => {
        const head = await call(() => client.send(new HeadObjectCommand({ Bucket: c.bucket, Key: o.key })).catch(nullIfMissing));
        // Deleted between the listing and its HEAD: gone.
        return head && { path: o.path, size: head.ContentLength ?? o.size, ...fromMetadata(head.Metadata, head.LastModified) };
      });
      return files.filter((f): f is WorkspaceFile => f !== null).sort((a, b) => a.path.localeCompare(b.path));
    },
    async read(workflowId, rawPath) {
      const path = workspacePath(rawPath);
      const got = await call(() => client.send(new GetObjectCommand({ Bucket: c.bucket, Key: base(workflowId) + path })).catch(nullIfMissing));
      if (!got?.Body) return null;
      const content = await call(() => got.Body!.transformToString('utf-8'));
      return { path, size: Buffer.byteLength(content, 'utf8'), ...fromMetadata(got.Metadata, got.LastModified), content };
    },
    async write(workflowId, rawPath, content, writtenBy) {
      const path = workspacePath(rawPath);
      const prefix = base(workflowId);
      const size = Buffer.byteLength(content, 'utf8');
      // Sizes only (no HEADs): the limits need nothing else.
      const others = (await objects(prefix)).map((o) => ({ path: o.path, size: o.size, updatedAt: 0, writtenBy: null }));
      checkWriteLimits(others, path, size);
      const file: WorkspaceFile = { path, size, updatedAt: now(), writtenBy };
      await call(() =>
        client.send(
          new PutObjectCommand({
            Bucket: c.bucket,
            Key: prefix + path,
            Body: content,
            ContentType: 'text/plain; charset=utf-8',
            // Metadata travels as HTTP headers: ASCII only, so the task key is percent-encoded.
            Metadata: { 'written-by': encodeURIComponent(writtenBy), 'updated-at': String(file.updatedAt) },
          }),
        ),
      );
      return file;
    },
    async removeAll(workflowId) {
      const keys = (await objects(base(workflowId))).map((o) => o.key);
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const res = await call(() => client.send(new DeleteObjectsCommand({ Bucket: c.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })));
        const failed = res.Errors?.[0];
        if (failed) throw new WorkspaceStoreError(`the workspace store did not delete ${res.Errors!.length} file(s): ${failed.Code ?? 'error'}`);
      }
    },
  };
}

function clientConfig(c: S3Config): S3ClientConfig {
  return {
    region: c.region,
    ...(c.credentials ? { credentials: c.credentials } : {}),
    // An S3-compatible store is addressed path-style at its own origin; AWS S3 by the region, and a
    // bucket in another region is followed rather than failed.
    ...(c.endpoint ? { endpoint: c.endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
    // Checksums only where S3 requires them: several S3-compatible stores refuse the newer trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
}

const isPath = (path: string): boolean => {
  try {
    return workspacePath(path) === path;
  } catch {
    return false;
  }
};

function fromMetadata(meta: Record<string, string> | undefined, modified: Date | undefined): Pick<WorkspaceFile, 'updatedAt' | 'writtenBy'> {
  const at = Number(meta?.['updated-at']);
  let writtenBy: string | null = null;
  try {
    writtenBy = meta?.['written-by'] ? decodeURIComponent(meta['written-by']) : null;
  } catch {
    // written by something else than Baton: no writer to name
  }
  return { updatedAt: Number.isFinite(at) && at > 0 ? at : (modified?.getTime() ?? 0), writtenBy };
}

/** A missing object (GET's NoSuchKey, HEAD's bodiless 404) is null; any other failure stays one. */
function nullIfMissing(e: unknown): null {
  if (e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.name === 'NotFound')) return null;
  throw e;
}

/** The SDK's failures become WorkspaceStoreError, naming S3's error code and never its request details. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkspaceError || e instanceof WorkspaceStoreError) throw e;
    const what = e instanceof S3ServiceException ? `${e.name} (HTTP ${e.$metadata.httpStatusCode ?? '?'})` : e instanceof Error ? e.name : 'error';
    throw new WorkspaceStoreError(`the workspace store failed: ${what}`, e);
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
