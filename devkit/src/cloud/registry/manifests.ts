/** The manifest formats the registry accepts, and what a pushed manifest refers to. */
import { createHash } from 'node:crypto';
import type { PushedManifest } from './catalog.ts';
import { manifestInvalid } from './errors.ts';

export const IMAGE_MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];
export const INDEX_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
}

interface ManifestJson {
  schemaVersion?: unknown;
  mediaType?: unknown;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Reads a pushed manifest: its media type (Content-Type, else its own `mediaType`), digest (of the
 * exact bytes), and the blobs or manifests it needs. Throws MANIFEST_INVALID for anything else.
 */
export function parseManifest(
  bytes: Buffer,
  contentType: string | undefined,
): PushedManifest & {
  blobs: Array<{ digest: string; size: number }>;
} {
  const content = bytes.toString('utf8');
  // JSON text is UTF-8; bytes that do not round-trip could not be stored and served back exactly.
  if (!Buffer.from(content, 'utf8').equals(bytes)) throw manifestInvalid('not UTF-8 text');
  let json: ManifestJson;
  try {
    json = JSON.parse(content) as ManifestJson;
  } catch (error) {
    throw manifestInvalid((error as Error).message);
  }
  if (json === null || typeof json !== 'object') throw manifestInvalid('not a JSON object');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]!.trim();
  const mediaType =
    header && (IMAGE_MANIFEST_TYPES.includes(header) || INDEX_TYPES.includes(header)) ? header : declared;
  if (!mediaType || !(IMAGE_MANIFEST_TYPES.includes(mediaType) || INDEX_TYPES.includes(mediaType))) {
    throw manifestInvalid(`unsupported manifest media type ${mediaType ?? header ?? '(none)'}`);
  }
  if (declared && declared !== mediaType) {
    throw manifestInvalid(`mediaType ${declared} does not match Content-Type ${mediaType}`);
  }
  if (json.schemaVersion !== 2) throw manifestInvalid('schemaVersion must be 2');
  const base = { digest: sha256Digest(bytes), mediaType, content };
  if (INDEX_TYPES.includes(mediaType)) {
    const children = descriptors(json.manifests, 'manifests');
    return { ...base, layerSizes: [], children, configMediaType: undefined, blobs: [] };
  }
  if (!json.config) throw manifestInvalid('config is required');
  const [config] = descriptors([json.config], 'config');
  const layers = descriptors(json.layers, 'layers');
  return {
    ...base,
    layerSizes: layers.map((l) => l.size),
    children: [],
    configMediaType: typeof json.config.mediaType === 'string' ? json.config.mediaType : undefined,
    blobs: [config!, ...layers],
  };
}

function descriptors(list: Descriptor[] | undefined, field: string): Array<{ digest: string; size: number }> {
  if (!Array.isArray(list)) throw manifestInvalid(`${field} must be a list`);
  return list.map((d) => {
    if (typeof d?.digest !== 'string' || typeof d.size !== 'number') {
      throw manifestInvalid(`every entry of ${field} needs a digest and a size`);
    }
    return { digest: d.digest, size: d.size };
  });
}
