// Typed errors with a stable code. Lower layers throw these; src/api alone maps a code to an
// HTTP status, and src/client maps a status back, so callers switch on `code`, never on text.

export type ErrorCode =
  | 'NotFound'
  | 'Conflict'
  | 'InvalidParameter'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotModified'
  | 'NotImplemented'
  | 'SystemError';

export class BerthError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code;
  }
}

export const notFound = (msg: string) => new BerthError('NotFound', msg);
export const conflict = (msg: string) => new BerthError('Conflict', msg);
export const invalidParameter = (msg: string) => new BerthError('InvalidParameter', msg);
export const forbidden = (msg: string) => new BerthError('Forbidden', msg);
export const unavailable = (msg: string) => new BerthError('Unavailable', msg);
export const notImplemented = (msg: string) => new BerthError('NotImplemented', msg);
export const systemError = (msg: string, cause?: unknown) => new BerthError('SystemError', msg, { cause });

export function isBerthError(e: unknown, code?: ErrorCode): e is BerthError {
  return e instanceof BerthError && (code === undefined || e.code === code);
}

/** The message of any thrown value, for logs and error replies. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
