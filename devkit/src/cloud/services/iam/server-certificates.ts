/**
 * Server certificates: the X.509 certificate, chain and private key a load balancer's HTTPS listener
 * terminates TLS with (the local cloud has no ACM, so these are its only certificates). Uploads are
 * checked as IAM checks them: PEM that parses, a key that matches the certificate.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type {
  GetServerCertificateRequest,
  GetServerCertificateResponse,
  ListServerCertificatesRequest,
  ListServerCertificatesResponse,
  ListServerCertificateTagsRequest,
  ListServerCertificateTagsResponse,
  ServerCertificateMetadata,
  TagServerCertificateRequest,
  UntagServerCertificateRequest,
  UpdateServerCertificateRequest,
  UploadServerCertificateRequest,
  UploadServerCertificateResponse,
  DeleteServerCertificateRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { QUOTAS } from './account.ts';
import type { IamState, ServerCertificateRecord } from './state.ts';
import {
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  mergeTags,
  noSuchEntity,
  serverCertificates,
  uniqueId,
} from './state.ts';

const MAX_SERVER_CERTIFICATES = QUOTAS.ServerCertificatesQuota;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function malformed(message: string): ServiceError {
  return new ServiceError(message, { code: 'MalformedCertificate' });
}

/** One PEM certificate, parsed. */
function parseCertificate(pem: string, what: string): X509Certificate {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length !== 1) {
    throw malformed(`Unable to parse ${what}. Please ensure the ${what} is one certificate in PEM format.`);
  }
  try {
    return new X509Certificate(blocks[0]!);
  } catch {
    throw malformed(`Unable to parse ${what}. Please ensure the ${what} is in PEM format.`);
  }
}

/** The chain: one or more PEM certificates, each of which parses. */
function checkChain(chain: string): void {
  const blocks = chain.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw malformed('Unable to parse certificate chain. Please ensure it holds PEM-encoded certificates.');
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw malformed(`Unable to parse certificate ${i + 1} of the certificate chain.`);
    }
  });
}

function parsePrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // An encrypted key fails here too: a load balancer has no passphrase to open it with.
    throw malformed('Unable to parse private key. Please ensure it is an unencrypted PEM private key.');
  }
}

function findCertificate(state: IamState, name: string): ServerCertificateRecord {
  const record = serverCertificates(state)[name.toLowerCase()];
  if (!record) throw noSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
  return record;
}

function metadata(record: ServerCertificateRecord): ServerCertificateMetadata {
  return {
    Path: record.path,
    ServerCertificateName: record.name,
    ServerCertificateId: record.id,
    Arn: record.arn,
    UploadDate: toDate(record.uploadedMs)!,
    Expiration: toDate(record.expirationMs)!,
  };
}

const certificateArn = (accountId: string, path: string, name: string) =>
  `arn:aws:iam::${accountId}:server-certificate${path}${name}`;

export const uploadServerCertificate: Handler<
  Checked<UploadServerCertificateRequest, 'ServerCertificateName' | 'CertificateBody' | 'PrivateKey'>,
  UploadServerCertificateResponse,
  IamState
> = (input, ctx) => {
  const path = input.Path ?? '/';
  checkPath(path);
  const all = serverCertificates(ctx.state);
  const key = input.ServerCertificateName.toLowerCase();
  if (all[key]) {
    throw entityAlreadyExists(
      `The Server Certificate with name ${input.ServerCertificateName} already exists.`,
    );
  }
  const certificate = parseCertificate(input.CertificateBody, 'certificate');
  if (input.CertificateChain !== undefined) checkChain(input.CertificateChain);
  const privateKey = parsePrivateKey(input.PrivateKey);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ServiceError("Public key certificate and private key doesn't match.", {
      code: 'KeyPairMismatch',
    });
  }
  if (Object.keys(all).length >= MAX_SERVER_CERTIFICATES) {
    throw new ServiceError(
      `Cannot exceed quota for ServerCertificatesPerAccount: ${MAX_SERVER_CERTIFICATES}.`,
      {
        code: 'LimitExceeded',
        status: 409,
      },
    );
  }
  const record: ServerCertificateRecord = {
    name: input.ServerCertificateName,
    id: uniqueId('ASCA'),
    path,
    arn: certificateArn(ctx.accountId, path, input.ServerCertificateName),
    uploadedMs: Date.now(),
    expirationMs: Date.parse(certificate.validTo),
    body: input.CertificateBody.trim(),
    ...(input.CertificateChain !== undefined ? { chain: input.CertificateChain.trim() } : {}),
    privateKey: input.PrivateKey,
    tags: mergeTags([], input.Tags ?? [], 'TagsPerServerCertificate'),
  };
  all[key] = record;
  return {
    ServerCertificateMetadata: metadata(record),
    ...(record.tags.length ? { Tags: record.tags } : {}),
  };
};

/** The certificate, its chain and tags; never its private key. */
export const getServerCertificate: Handler<
  Checked<GetServerCertificateRequest, 'ServerCertificateName'>,
  GetServerCertificateResponse,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  return {
    ServerCertificate: {
      ServerCertificateMetadata: metadata(record),
      CertificateBody: record.body,
      ...(record.chain !== undefined ? { CertificateChain: record.chain } : {}),
      ...(record.tags.length ? { Tags: record.tags } : {}),
    },
  };
};

export const listServerCertificates: Handler<
  ListServerCertificatesRequest,
  ListServerCertificatesResponse,
  IamState
> = (input, ctx) => {
  const prefix = input.PathPrefix ?? '/';
  const records = Object.values(serverCertificates(ctx.state))
    .filter((c) => c.path.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(records, input.MaxItems, input.Marker);
  return {
    ServerCertificateMetadataList: page.map(metadata),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

/** Renames or moves it; its id stays, so listeners using it keep serving it. */
export const updateServerCertificate: Handler<
  Checked<UpdateServerCertificateRequest, 'ServerCertificateName'>,
  void,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  const name = input.NewServerCertificateName ?? record.name;
  const path = input.NewPath ?? record.path;
  checkPath(path);
  const all = serverCertificates(ctx.state);
  const other = all[name.toLowerCase()];
  if (other && other !== record) {
    throw entityAlreadyExists(`The Server Certificate with name ${name} already exists.`);
  }
  delete all[record.name.toLowerCase()];
  record.name = name;
  record.path = path;
  record.arn = certificateArn(ctx.accountId, path, name);
  all[name.toLowerCase()] = record;
};

/** What IAM reads of ELBv2's state: the listeners' certificates (services never import each other). */
interface Elbv2Listeners {
  listeners: Record<
    string,
    {
      arn: string;
      certificates?: Array<{ serverCertificateId: string }>;
      certificateList?: Array<{ serverCertificateId: string }>;
    }
  >;
}

/** The listeners (any region) that serve the certificate. */
function listenersUsing(ctx: RequestContext<IamState>, id: string): string[] {
  return ctx.store
    .regions<Elbv2Listeners>('elasticloadbalancing')
    .flatMap(([, state]) => Object.values(state.listeners))
    .filter((l) =>
      [...(l.certificates ?? []), ...(l.certificateList ?? [])].some((c) => c.serverCertificateId === id),
    )
    .map((l) => l.arn);
}

export const deleteServerCertificate: Handler<
  Checked<DeleteServerCertificateRequest, 'ServerCertificateName'>,
  void,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  const users = listenersUsing(ctx, record.id);
  if (users.length) {
    throw deleteConflict(
      `Certificate: ${record.id} is currently in use by ${users[0]}. Please remove it from the listener first.`,
    );
  }
  delete serverCertificates(ctx.state)[record.name.toLowerCase()];
};

export const tagServerCertificate: Handler<
  Checked<TagServerCertificateRequest, 'ServerCertificateName' | 'Tags'>,
  void,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  record.tags = mergeTags(record.tags, input.Tags, 'TagsPerServerCertificate');
};

export const untagServerCertificate: Handler<
  Checked<UntagServerCertificateRequest, 'ServerCertificateName' | 'TagKeys'>,
  void,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  record.tags = record.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

/** Sorted by key, as the reference says. */
export const listServerCertificateTags: Handler<
  Checked<ListServerCertificateTagsRequest, 'ServerCertificateName'>,
  ListServerCertificateTagsResponse,
  IamState
> = (input, ctx) => {
  const record = findCertificate(ctx.state, input.ServerCertificateName);
  const sorted = [...record.tags].sort((a, b) => (a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : 0));
  const { page, nextToken } = paginate(sorted, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
