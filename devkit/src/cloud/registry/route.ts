/**
 * The OCI distribution (v2) registry, served on the cloud's own endpoint under `/v2/`: Basic auth
 * with ECR's token, blob uploads (monolithic, chunked, cross-repository mounts) streamed to disk,
 * manifests by tag or digest, tag lists. Each request is authorized (by the catalog: ECR's IAM) as
 * the ECR action AWS maps it to, before the repository is looked up, as AWS does. Bodies are streamed, never buffered whole (manifests
 * excepted: they are small and must be parsed).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Route } from '../gateway.ts';
import type { BlobStore } from './blob-store.ts';
import { rangeInvalid } from './blob-store.ts';
import {
  DOWNLOAD_TOKEN,
  type RegistryCatalog,
  type RegistryNamespace,
  type RegistryOperation,
} from './catalog.ts';
import {
  blobUnknown,
  digestInvalid,
  manifestInvalid,
  manifestUnknown,
  nameUnknown,
  RegistryError,
} from './errors.ts';
import { parseManifest } from './manifests.ts';

/** Distribution's and ECR's limit on a manifest's size. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  ns: RegistryNamespace;
  name: string;
}

export function registryRoute(options: { catalog: RegistryCatalog; blobs: BlobStore }): Route {
  const { catalog, blobs } = options;

  return async (req, res) => {
    // A target that is no URL at all (`//`, `http://a:99999/`) is not the registry's to answer.
    const url = URL.parse(req.url ?? '/', 'http://registry');
    if (!url || (url.pathname !== '/v2' && !url.pathname.startsWith('/v2/'))) return false;
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      const ns = authenticate(req, catalog) ?? authenticateDownload(req, url, catalog);
      if (!ns) {
        res.setHeader('WWW-Authenticate', catalog.challenge(req.headers.host ?? ''));
        throw new RegistryError('UNAUTHORIZED', 401, 'authentication required');
      }
      await dispatch(req, res, url, ns, blobs);
    } catch (error) {
      sendError(req, res, error);
    }
    return true;
  };
}

function authenticate(req: IncomingMessage, catalog: RegistryCatalog): RegistryNamespace | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return catalog.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** A download URL (`/v2/<name>/blobs/<digest>?token=...`): reads one blob, nothing else. */
function authenticateDownload(
  req: IncomingMessage,
  url: URL,
  catalog: RegistryCatalog,
): RegistryNamespace | undefined {
  const token = url.searchParams.get(DOWNLOAD_TOKEN);
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (!token || !read || !/^\/v2\/.+\/blobs\/sha256:[a-f0-9]+$/.test(url.pathname)) return undefined;
  return catalog.authenticateDownload(token);
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ns: RegistryNamespace,
  blobs: BlobStore,
): Promise<void> {
  const path = url.pathname;
  if (path === '/v2' || path === '/v2/') {
    send(res, 200, { 'content-type': 'application/json' }, '{}');
    return;
  }
  let match: RegExpExecArray | null;
  const call = async (name: string, operation: RegistryOperation): Promise<Call> => {
    ns.authorize(operation, name);
    // Pushing (starting an upload, putting a manifest) may create the repository, as ECR's create on push.
    const pushing = operation === 'InitiateLayerUpload' || operation === 'PutImage';
    if (!ns.hasRepository(name) && !(pushing && (await ns.createOnPush(name)))) throw nameUnknown(name);
    return { req, res, url, ns, name };
  };
  if ((match = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path))) {
    const operation =
      req.method === 'POST'
        ? 'InitiateLayerUpload'
        : req.method === 'PUT'
          ? 'CompleteLayerUpload'
          : 'UploadLayerPart';
    await upload(await call(match[1]!, operation), blobs, match[2]!);
  } else if ((match = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path))) {
    await blob(
      await call(match[1]!, req.method === 'HEAD' ? 'BatchCheckLayerAvailability' : 'GetDownloadUrlForLayer'),
      blobs,
      match[2]!,
    );
  } else if ((match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path))) {
    const operation =
      req.method === 'PUT' ? 'PutImage' : req.method === 'DELETE' ? 'BatchDeleteImage' : 'BatchGetImage';
    await manifest(await call(match[1]!, operation), blobs, match[2]!);
  } else if ((match = /^\/v2\/(.+)\/tags\/list$/.exec(path))) {
    allow(req, ['GET']);
    const c = await call(match[1]!, 'ListImages');
    send(
      res,
      200,
      { 'content-type': 'application/json' },
      JSON.stringify({ name: c.name, tags: ns.tags(c.name) }),
    );
  } else {
    throw new RegistryError('UNSUPPORTED', 404, 'The operation is unsupported.', { path });
  }
}

async function upload(call: Call, blobs: BlobStore, id: string): Promise<void> {
  const { req, res, url, ns, name } = call;
  const location = (uploadId: string) => `/v2/${name}/blobs/uploads/${uploadId}`;
  const progress = (uploadId: string, status: number) => {
    const size = blobs.uploadedSize(uploadId) ?? 0;
    send(res, status, {
      location: location(uploadId),
      range: `0-${Math.max(size - 1, 0)}`,
      'docker-upload-uuid': uploadId,
    });
  };
  const complete = async (uploadId: string, digest: string | null) => {
    if (!digest) throw digestInvalid('digest parameter is required to complete an upload');
    await blobs.append(uploadId, req);
    await ns.linkBlob(name, digest, await blobs.finish(uploadId, digest));
    created(res, `/v2/${name}/blobs/${digest}`, digest);
  };

  if (id === '') {
    allow(req, ['POST']);
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount && from && ns.mountsBlobs() && readable(ns, from)) {
      const size = ns.hasRepository(from) ? ns.blobSize(from, mount) : undefined;
      if (size !== undefined && (await blobs.size(mount)) === size) {
        await ns.linkBlob(name, mount, size);
        created(res, `/v2/${name}/blobs/${mount}`, mount);
        return;
      }
      // Not mountable (or mounts are off): the spec says to fall back to an ordinary upload session.
    }
    // A monolithic upload (POST with its digest) completes the layer too.
    if (url.searchParams.has('digest')) ns.authorize('CompleteLayerUpload', name);
    const started = blobs.startUpload();
    if (url.searchParams.has('digest')) await complete(started, url.searchParams.get('digest'));
    else progress(started, 202);
    return;
  }
  allow(req, ['GET', 'PATCH', 'PUT', 'DELETE']);
  const size = blobs.uploadedSize(id);
  if (size === undefined) {
    throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 404, 'blob upload unknown to registry', { id });
  }
  try {
    switch (req.method) {
      case 'GET':
        progress(id, 204);
        return;
      case 'DELETE':
        await blobs.cancel(id);
        send(res, 204, {});
        return;
      case 'PATCH': {
        const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
        if (range && Number(range[1]) !== size) throw rangeInvalid({ size });
        await blobs.append(id, req);
        progress(id, 202);
        return;
      }
      default:
        await complete(id, url.searchParams.get('digest'));
    }
  } catch (error) {
    // Where the client may resume: the session, and the bytes it holds.
    if (error instanceof RegistryError && error.code === 'RANGE_INVALID') {
      res.setHeader('location', location(id));
      res.setHeader('range', (error.detail as { range: string }).range);
    }
    throw error;
  }
}

async function blob(call: Call, blobs: BlobStore, digest: string): Promise<void> {
  const { req, res, ns, name } = call;
  allow(req, ['GET', 'HEAD']);
  const size = ns.blobSize(name, digest);
  if (size === undefined || (await blobs.size(digest)) !== size) throw blobUnknown(digest);
  const headers = {
    'content-type': 'application/octet-stream',
    'content-length': String(size),
    'docker-content-digest': digest,
    etag: `"${digest}"`,
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  res.writeHead(200, headers);
  await pipeline(createReadStream(blobs.path(digest)), res);
}

async function manifest(call: Call, blobs: BlobStore, reference: string): Promise<void> {
  const { req, res, ns, name } = call;
  allow(req, ['GET', 'HEAD', 'PUT', 'DELETE']);
  const byDigest = reference.includes(':');
  if (byDigest ? !DIGEST.test(reference) : !TAG.test(reference)) {
    throw byDigest
      ? digestInvalid(`invalid digest ${reference}`)
      : new RegistryError('TAG_INVALID', 400, 'manifest tag did not match URI', { tag: reference });
  }
  if (req.method === 'PUT') {
    const pushed = parseManifest(await readManifestBody(req), req.headers['content-type']);
    if (byDigest && pushed.digest !== reference) {
      throw digestInvalid('provided digest did not match uploaded content', {
        digest: reference,
        actual: pushed.digest,
      });
    }
    for (const ref of pushed.blobs) {
      const size = ns.blobSize(name, ref.digest);
      if (size === undefined || (await blobs.size(ref.digest)) === undefined) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 400, 'blob unknown to registry', {
          digest: ref.digest,
        });
      }
      // A wrong size would make every client that pulls it fail its own check; refuse it now.
      if (size !== ref.size) throw sizeMismatch(ref, size);
    }
    for (const child of pushed.children) {
      const stored = ns.manifest(name, child.digest);
      if (!stored) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 400, 'manifest unknown to registry', {
          digest: child.digest,
        });
      }
      const size = Buffer.byteLength(stored.content);
      if (size !== child.size) throw sizeMismatch(child, size);
    }
    // The 201 (and so `docker push`'s success) says the image and its tag are on disk.
    await ns.putManifest(name, byDigest ? undefined : reference, pushed);
    created(res, `/v2/${name}/manifests/${pushed.digest}`, pushed.digest);
    return;
  }
  if (req.method === 'DELETE') {
    if (!byDigest) throw new RegistryError('UNSUPPORTED', 400, 'manifests can only be deleted by digest');
    if (!(await ns.deleteManifest(name, reference))) throw manifestUnknown(reference);
    send(res, 202, {});
    return;
  }
  const stored = ns.manifest(name, reference);
  if (!stored) throw manifestUnknown(reference);
  const body = Buffer.from(stored.content, 'utf8');
  res.writeHead(200, {
    'content-type': stored.mediaType,
    'content-length': String(body.length),
    'docker-content-digest': stored.digest,
    etag: `"${stored.digest}"`,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Whether the caller may read layers of `name` (a mount's source); refused, the push uploads instead. */
function readable(ns: RegistryNamespace, name: string): boolean {
  try {
    ns.authorize('GetDownloadUrlForLayer', name);
    return true;
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'DENIED') return false;
    throw error;
  }
}

function sizeMismatch(ref: { digest: string; size: number }, actual: number): RegistryError {
  return manifestInvalid(`${ref.digest} is ${actual} bytes, not the ${ref.size} the manifest declares`, {
    digest: ref.digest,
    declared: ref.size,
    actual,
  });
}

function readManifestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) {
        reject(manifestInvalid(`manifest exceeds ${MAX_MANIFEST_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function allow(req: IncomingMessage, methods: string[]): void {
  if (!methods.includes(req.method ?? '')) {
    throw new RegistryError('UNSUPPORTED', 405, 'The operation is unsupported.', { method: req.method });
  }
}

function created(res: ServerResponse, location: string, digest: string): void {
  send(res, 201, { location, 'docker-content-digest': digest });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  // A client that went away mid-transfer (an aborted pull or push) is not the registry's fault.
  if (res.headersSent || req.socket.destroyed) {
    res.destroy();
    return;
  }
  if (!(error instanceof RegistryError)) console.error('[cloud] registry request failed:', error);
  const e =
    error instanceof RegistryError
      ? error
      : new RegistryError('UNKNOWN', 500, 'unknown error', String(error));
  const body = JSON.stringify({ errors: [{ code: e.code, message: e.message, detail: e.detail ?? {} }] });
  res.writeHead(e.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
