/** Errors as the OCI distribution spec names them, sent as `{"errors":[{code,message,detail}]}`. */
export class RegistryError extends Error {
  readonly code: string;
  readonly status: number;
  readonly detail: unknown;

  constructor(code: string, status: number, message: string, detail?: unknown) {
    super(message);
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

export const nameUnknown = (name: string): RegistryError =>
  new RegistryError('NAME_UNKNOWN', 404, 'repository name not known to registry', { name });

export const blobUnknown = (digest: string): RegistryError =>
  new RegistryError('BLOB_UNKNOWN', 404, 'blob unknown to registry', { digest });

export const manifestUnknown = (reference: string): RegistryError =>
  new RegistryError('MANIFEST_UNKNOWN', 404, 'manifest unknown', { reference });

export const digestInvalid = (message: string, detail?: unknown): RegistryError =>
  new RegistryError('DIGEST_INVALID', 400, message, detail);

export const manifestInvalid = (message: string, detail?: unknown): RegistryError =>
  new RegistryError('MANIFEST_INVALID', 400, `manifest invalid: ${message}`, detail);
