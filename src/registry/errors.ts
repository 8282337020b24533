// The distribution spec's error codes, their HTTP status and distribution/distribution's
// messages. Everything under src/registry throws RegistryError; the server alone turns one
// into `{"errors":[{"code","message","detail"}]}`.

export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNKNOWN';

const TABLE: Record<RegistryErrorCode, [number, string]> = {
  BLOB_UNKNOWN: [404, 'blob unknown to registry'],
  BLOB_UPLOAD_INVALID: [400, 'blob upload invalid'],
  BLOB_UPLOAD_UNKNOWN: [404, 'blob upload unknown to registry'],
  DIGEST_INVALID: [400, 'provided digest did not match uploaded content'],
  MANIFEST_BLOB_UNKNOWN: [400, 'blob unknown to registry'],
  MANIFEST_INVALID: [400, 'manifest invalid'],
  MANIFEST_UNKNOWN: [404, 'manifest unknown'],
  NAME_INVALID: [400, 'invalid repository name'],
  NAME_UNKNOWN: [404, 'repository name not known to registry'],
  SIZE_INVALID: [400, 'provided length did not match content length'],
  TAG_INVALID: [400, 'manifest tag did not match URI'],
  UNAUTHORIZED: [401, 'authentication required'],
  DENIED: [403, 'requested access to the resource is denied'],
  UNSUPPORTED: [405, 'The operation is unsupported.'],
  RANGE_INVALID: [416, 'invalid content range'],
  PAGINATION_NUMBER_INVALID: [400, 'invalid number of results requested'],
  UNKNOWN: [500, 'unknown error'],
};

export class RegistryError extends Error {
  readonly status: number;
  constructor(readonly code: RegistryErrorCode, readonly detail?: unknown, message?: string, status?: number) {
    super(message ?? TABLE[code][1]);
    this.status = status ?? TABLE[code][0];
  }

  toJSON(): object {
    return { code: this.code, message: this.message, detail: this.detail ?? null };
  }
}

export const regError = (code: RegistryErrorCode, detail?: unknown, message?: string, status?: number) =>
  new RegistryError(code, detail, message, status);

/** The response body for one or more errors. */
export function errorBody(errors: RegistryError[]): string {
  return JSON.stringify({ errors: errors.map((e) => e.toJSON()) });
}

export function isRegistryError(e: unknown, code?: RegistryErrorCode): e is RegistryError {
  return e instanceof RegistryError && (code === undefined || e.code === code);
}
