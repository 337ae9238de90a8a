import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  body: Buffer;
  /** x-amz-meta-* headers, lower-cased, as sent. */
  meta: Record<string, string>;
  contentType: string;
  modified: Date;
  etag: string;
}

export interface FakeS3 {
  /** `http://127.0.0.1:<port>`: an endpoint for path-style requests. */
  url: string;
  /** `<bucket>/<key>` -> object. */
  objects: Map<string, StoredObject>;
  /** Requests served, by operation (PutObject, ListObjectsV2, …). */
  calls: Record<string, number>;
  close(): Promise<void>;
}

/**
 * A small S3-compatible server on 127.0.0.1 for tests: PutObject, GetObject, HeadObject,
 * DeleteObject, DeleteObjects and ListObjectsV2 (prefix, continuation, start-after), path-style,
 * every bucket existing. It checks that a request is SigV4-signed, not the signature. `pageSize`
 * caps a listing page so continuation gets exercised.
 */
export async function startFakeS3(o: { pageSize?: number } = {}): Promise<FakeS3> {
  const objects = new Map<string, StoredObject>();
  const calls: Record<string, number> = {};
  const count = (op: string) => (calls[op] = (calls[op] ?? 0) + 1);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        error(res, 500, 'InternalError', String(e));
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return error(res, 403, 'AccessDenied', 'not SigV4-signed');
    const url = new URL(req.url ?? '/', 'http://fake-s3');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    const body = isChunked(req) ? decodeAwsChunked(raw) : raw;
    if (!bucket) return error(res, 400, 'InvalidRequest', 'path-style requests only');
    if (!key) {
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') return list(res, bucket, url.searchParams);
      if (req.method === 'POST' && url.searchParams.has('delete')) return deleteMany(res, bucket, body.toString('utf8'));
      return error(res, 501, 'NotImplemented', `${req.method} on a bucket`);
    }
    const id = `${bucket}/${key}`;
    if (req.method === 'PUT') {
      count('PutObject');
      const meta = Object.fromEntries(Object.entries(req.headers).filter(([h]) => h.startsWith('x-amz-meta-')) as Array<[string, string]>);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      objects.set(id, { body, meta, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), modified: new Date(), etag });
      res.writeHead(200, { etag }).end();
      return;
    }
    if (req.method === 'DELETE') {
      count('DeleteObject');
      objects.delete(id);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      count(req.method === 'GET' ? 'GetObject' : 'HeadObject');
      const obj = objects.get(id);
      if (!obj) return req.method === 'HEAD' ? void res.writeHead(404).end() : error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(200, {
        'content-type': obj.contentType,
        'content-length': obj.body.length,
        etag: obj.etag,
        'last-modified': obj.modified.toUTCString(),
        ...obj.meta,
      });
      res.end(req.method === 'GET' ? obj.body : undefined);
      return;
    }
    error(res, 405, 'MethodNotAllowed', String(req.method));
  }

  function list(res: ServerResponse, bucket: string, q: URLSearchParams) {
    count('ListObjectsV2');
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(Number(q.get('max-keys') ?? 1000), o.pageSize ?? 1000);
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
    const keys = [...objects.keys()]
      .filter((k) => k.startsWith(`${bucket}/`))
      .map((k) => k.slice(bucket.length + 1))
      .filter((k) => k.startsWith(prefix) && k > after)
      .sort();
    const page = keys.slice(0, max);
    const truncated = keys.length > page.length;
    const urlEncoded = q.get('encoding-type') === 'url';
    const shown = (k: string) => xml(urlEncoded ? encodeURIComponent(k).replace(/%2F/g, '/') : k);
    const contents = page.map((k) => {
      const obj = objects.get(`${bucket}/${k}`)!;
      return `<Contents><Key>${shown(k)}</Key><LastModified>${obj.modified.toISOString()}</LastModified><ETag>${xml(obj.etag)}</ETag><Size>${obj.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!).toString('base64url')}</NextContinuationToken>` : '';
    send(
      res,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${shown(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>${urlEncoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : ''}${next}${contents.join('')}</ListBucketResult>`,
    );
  }

  function deleteMany(res: ServerResponse, bucket: string, body: string) {
    count('DeleteObjects');
    const keys = [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unxml(m[1]!));
    for (const k of keys) objects.delete(`${bucket}/${k}`);
    const quiet = /<Quiet>true<\/Quiet>/.test(body);
    send(res, `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${quiet ? '' : keys.map((k) => `<Deleted><Key>${xml(k)}</Key></Deleted>`).join('')}</DeleteResult>`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const unxml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');

function send(res: ServerResponse, body: string) {
  res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function error(res: ServerResponse, status: number, code: string, message: string) {
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>fake</RequestId></Error>`);
}

/** The SDK streams some bodies as aws-chunked (`<hex size>[;ext]\r\n<data>\r\n`…, then trailers). */
const isChunked = (req: IncomingMessage) =>
  String(req.headers['content-encoding'] ?? '').includes('aws-chunked') || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');

function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!size) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
