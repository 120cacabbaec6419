/**
 * What the registry needs from the service that owns repositories and images (ECR): the registry
 * speaks the distribution protocol and stores blobs; the catalog decides who may push where and
 * records images where the service's API sees them.
 */
/** The query parameter of a blob download URL (`/v2/<name>/blobs/<digest>?token=...`) that carries its credentials. */
export const DOWNLOAD_TOKEN = 'token';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  /** The manifest exactly as pushed. */
  content: string;
}

export interface PushedManifest extends StoredManifest {
  /** Sizes of the layers the manifest lists (an index lists none). */
  layerSizes: number[];
  /** The manifests an index lists, with the sizes it declares for them. */
  children: Array<{ digest: string; size: number }>;
  /** The config blob's media type, for image manifests. */
  configMediaType: string | undefined;
}

/**
 * The ECR API operation whose action AWS authorizes a registry request as (`ListImages` for a tag
 * list; a cross-repository mount reads its source as `GetDownloadUrlForLayer`).
 */
export type RegistryOperation =
  | 'BatchCheckLayerAvailability'
  | 'GetDownloadUrlForLayer'
  | 'InitiateLayerUpload'
  | 'UploadLayerPart'
  | 'CompleteLayerUpload'
  | 'PutImage'
  | 'BatchGetImage'
  | 'BatchDeleteImage'
  | 'ListImages';

/** One authenticated caller's view of the repositories (ECR: one region's registry). */
export interface RegistryNamespace {
  /** Throws a DENIED RegistryError when the caller may not do `operation` on repository `name`. */
  authorize(operation: RegistryOperation, name: string): void;
  hasRepository(name: string): boolean;
  /**
   * Creates repository `name` for a push when the service would (ECR: a CREATE_ON_PUSH template
   * covers it); resolves true once it durably exists, false when it is not created.
   */
  createOnPush(name: string): Promise<boolean>;
  /** Whether cross-repository mounts are made (ECR: the BLOB_MOUNTING account setting); else they upload. */
  mountsBlobs(): boolean;
  /** The size of a blob pushed to (or mounted into) `name`, if it was. */
  blobSize(name: string, digest: string): number | undefined;
  /** Resolves once the link is durable (the blob itself already is). */
  linkBlob(name: string, digest: string, size: number): Promise<void>;
  /** By tag or digest. */
  manifest(name: string, reference: string): StoredManifest | undefined;
  /**
   * Records an image under `tag` (or untagged); resolves once the image and its tag are durable,
   * rejects with a RegistryError when the service refuses it.
   */
  putManifest(name: string, tag: string | undefined, manifest: PushedManifest): Promise<void>;
  /** Resolves false for an unknown digest, true once the deletion is durable. */
  deleteManifest(name: string, digest: string): Promise<boolean>;
  tags(name: string): string[];
}

export interface RegistryCatalog {
  /** The caller's namespace for these Basic credentials, or undefined when they do not authenticate. */
  authenticate(user: string, password: string): RegistryNamespace | undefined;
  /**
   * The namespace a download URL's `token` opens (ECR's GetDownloadUrlForLayer hands out URLs that
   * need no credentials, as AWS's presigned ones); good for reading blobs only.
   */
  authenticateDownload(token: string): RegistryNamespace | undefined;
  /** The `WWW-Authenticate` challenge sent with a 401 to a client that addressed `host`. */
  challenge(host: string): string;
}
