// The one place where an error code becomes an HTTP status (moby's errdefs → httpstatus).
import { BerthError, errorMessage, type ErrorCode } from '../common/errors.js';

const STATUS: Record<ErrorCode, number> = {
  NotFound: 404,
  Conflict: 409,
  InvalidParameter: 400,
  Forbidden: 403,
  Unavailable: 503,
  NotModified: 304,
  NotImplemented: 501,
  SystemError: 500,
};

export function statusOf(e: unknown): number {
  return e instanceof BerthError ? STATUS[e.code] : 500;
}

export function messageOf(e: unknown): string {
  return errorMessage(e);
}
