/**
 * Keeping API keys out of cassettes. Scrubbing replaces every occurrence of a key; the check then
 * scans the bytes about to be written, so a key that reached the output by any route stops the write.
 */

export const REDACTED = 'REDACTED';

/** Shorter keys would match ordinary text, so neither scrubbing nor the check could be trusted. */
export const MIN_SECRET_LENGTH = 8;

export class SecretLeakError extends Error {}

/** Gemini takes the key in the `x-goog-api-key` header or the `key` query parameter. */
export function withoutKeyParam(path: string): string {
  const url = new URL(path, 'http://path.invalid');
  if (!url.searchParams.has('key')) return path;
  url.searchParams.delete('key');
  return url.pathname + url.search;
}

/** A deep copy of `value` with every occurrence of each secret, in strings and object keys, redacted. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const scrub = (item: unknown): unknown => {
    if (typeof item === 'string') return redact(item, secrets);
    if (Array.isArray(item)) return item.map(scrub);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(
        Object.entries(item)
          .filter(([name]) => name.toLowerCase() !== 'x-goog-api-key')
          .map(([name, child]) => [redact(name, secrets), scrub(child)]),
      );
    }
    return item;
  };
  return scrub(value) as T;
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    for (const form of secretForms(secret)) result = result.replaceAll(form, REDACTED);
  }
  return result;
}

/** Throws when any secret, raw or URL-encoded, occurs in `text`. */
export function assertNoSecrets(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new SecretLeakError(
        `${where}: a key shorter than ${MIN_SECRET_LENGTH} characters cannot be checked`,
      );
    }
    if (secretForms(secret).some((form) => text.includes(form))) {
      throw new SecretLeakError(`${where} still contains the API key; refusing to write it`);
    }
  }
}

function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return encoded === secret ? [secret] : [secret, encoded];
}
