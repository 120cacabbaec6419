/**
 * Signature Version 4, checked the way AWS checks it: the canonical request is rebuilt from what
 * arrived (method, path, query, the headers the client listed as signed, the body's hash), signed
 * with the secret the key id names, and compared with the client's signature. Only keys the local
 * cloud issued are checked (an IAM user's, a session's): other keys act as the root unchecked.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as received (before any Content-Encoding is undone). */
  body: Buffer;
}

interface Signature {
  credential: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  /** Presigned URLs carry the signature in the query, which is then left out of what was signed. */
  inQuery: boolean;
}

const HEADER =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/i;

/** Whether the request was signed with this secret; false when it carries no SigV4 signature at all. */
export function signedWithSecret(request: SignedRequest, secret: string): boolean {
  const signature = signatureOf(request);
  if (!signature) return false;
  const [, day, region, service] = signature.credential.split('/');
  if (!day || !region || !service) return false;
  const payloadHashes = payloadHashesOf(request, signature);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const key = signingKey(secret, day, region, service, scope);
  const expected = Buffer.from(signature.signature.toLowerCase(), 'hex');
  return payloadHashes.some((payloadHash) => {
    const canonical = canonicalRequest(request, signature, payloadHash);
    const toSign = ['AWS4-HMAC-SHA256', signature.amzDate, scope, sha256(canonical)].join('\n');
    const actual = createHmac('sha256', key).update(toSign).digest();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

/** Signing keys by secret and scope: a key serves a day's calls, and deriving one costs four HMACs. */
const signingKeys = new Map<string, Buffer>();
const KEPT_SIGNING_KEYS = 1000;

function signingKey(secret: string, day: string, region: string, service: string, scope: string): Buffer {
  const cacheKey = `${secret}\n${scope}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(`AWS4${secret}`, day);
    for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
    if (signingKeys.size >= KEPT_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

function signatureOf(request: SignedRequest): Signature | undefined {
  const auth = headerValue(request.headers, 'authorization');
  const fromHeader = auth === undefined ? undefined : HEADER.exec(auth);
  if (fromHeader) {
    const amzDate = headerValue(request.headers, 'x-amz-date') ?? headerValue(request.headers, 'date');
    if (amzDate === undefined) return undefined;
    return {
      credential: fromHeader[1]!,
      amzDate,
      signedHeaders: fromHeader[2]!.toLowerCase().split(';'),
      signature: fromHeader[3]!,
      inQuery: false,
    };
  }
  const query = new URLSearchParams(queryOf(request.url));
  const credential = query.get('X-Amz-Credential');
  const amzDate = query.get('X-Amz-Date');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const value = query.get('X-Amz-Signature');
  if (!credential || !amzDate || !signedHeaders || !value || !/^[0-9a-f]+$/i.test(value)) return undefined;
  return {
    credential,
    amzDate,
    signedHeaders: signedHeaders.toLowerCase().split(';'),
    signature: value,
    inQuery: true,
  };
}

/** The body's hash as signed: the client's declared one when it sent it, else the bytes' own. */
function payloadHashesOf(request: SignedRequest, signature: Signature): string[] {
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  if (declared !== undefined) return [declared];
  const own = sha256(request.body);
  // A presigned URL may leave the payload unsigned.
  return signature.inQuery ? [own, 'UNSIGNED-PAYLOAD'] : [own];
}

function canonicalRequest(request: SignedRequest, signature: Signature, payloadHash: string): string {
  const path = request.url.split('?', 1)[0] || '/';
  return [
    request.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(queryOf(request.url), signature.inQuery),
    ...signature.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}`),
    '',
    signature.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Every service but S3 signs its path encoded once more, segment by segment. */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
}

function canonicalQuery(query: string, withoutSignature: boolean): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const [name, value] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
      return [encode(decode(name)), encode(decode(value))] as const;
    })
    .filter(([name]) => !(withoutSignature && name === 'X-Amz-Signature'));
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

/** RFC 3986 encoding, as SigV4 wants it: only unreserved characters stay as they are. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
