// Registry errors with the texts dockerd prints for them:
//  - HTTP error replies parsed as distribution's errcode errors (`manifest unknown: manifest unknown`,
//    `unauthorized: authentication required`), `{"details": …}` bodies (Docker Hub's token server)
//    and bearer `error=` challenges included;
//  - transport failures worded as Go's net/http words them (`Get "https://h/v2/": dial tcp
//    127.0.0.1:5000: connect: connection refused`), which are the ones that let a pull fall back
//    from HTTPS to HTTP on an insecure registry.
import { BerthError, type ErrorCode } from '../common/errors.js';
import { parseChallenges } from './www-authenticate.js';

export interface ErrcodeError { code: string; message: string; detail?: unknown }

/** distribution/registry/api/errcode: registered codes and their default messages. */
const CODES: Record<string, string> = {
  UNKNOWN: 'unknown error',
  UNSUPPORTED: 'The operation is unsupported.',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNAVAILABLE: 'service unavailable',
  TOOMANYREQUESTS: 'too many requests',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  SIZE_INVALID: 'provided length did not match content length',
  NAME_INVALID: 'invalid repository name',
  TAG_INVALID: 'manifest tag did not match URI',
  NAME_UNKNOWN: 'repository name not known to registry',
  MANIFEST_UNKNOWN: 'manifest unknown',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNVERIFIED: 'manifest failed signature verification',
  MANIFEST_BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
  RANGE_INVALID: 'invalid content range',
};

/** errcode.Error.Error(): `<code as words>: <message>`. */
export function errcodeText(e: ErrcodeError): string {
  return `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`;
}

/** An error reply from a registry. `codes` are distribution error codes (UNKNOWN for unregistered ones). */
export class RegistryApiError extends BerthError {
  constructor(readonly status: number, readonly errors: ErrcodeError[], message?: string) {
    super(codeFor(status, errors), message ?? errorsText(errors));
  }
  has(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
  get unauthorized(): boolean {
    return this.status === 401 || this.has('UNAUTHORIZED');
  }
}

function codeFor(status: number, errors: ErrcodeError[]): ErrorCode {
  if (errors.some((e) => e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN' || e.code === 'BLOB_UNKNOWN')) return 'NotFound';
  return status === 404 ? 'NotFound' : 'SystemError';
}

function errorsText(errors: ErrcodeError[]): string {
  if (errors.length === 0) return '<nil>';
  if (errors.length === 1) return errcodeText(errors[0]!);
  return 'errors:\n' + errors.map((e) => errcodeText(e) + '\n').join('');
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 409: 'Conflict', 413: 'Request Entity Too Large', 416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'status code ' + status}`;
}

function makeError(status: number, message: string): ErrcodeError {
  const code = status === 401 ? 'UNAUTHORIZED' : status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN';
  return { code, message: message.trim() || CODES[code]! };
}

/**
 * client.HandleErrorResponse: the error a registry's reply carries. `body` is the (bounded) reply
 * body; `wwwAuthenticate` its challenge header, whose bearer `error=` wins (RFC 6750).
 */
export function errorFromResponse(status: number, contentType: string | undefined, body: Buffer, wwwAuthenticate?: string | string[]): BerthError {
  if (status >= 400 && status < 500) {
    for (const c of parseChallenges(wwwAuthenticate)) {
      if (c.scheme !== 'bearer') continue;
      const code = c.params.error === 'invalid_token' ? 'UNAUTHORIZED' : c.params.error === 'insufficient_scope' ? 'DENIED' : undefined;
      if (!code) continue;
      const first: ErrcodeError = { code, message: c.params.error_description || CODES[code]! };
      const rest = parseBody(status, contentType, body);
      const more = rest instanceof RegistryApiError ? rest.errors : [];
      return new RegistryApiError(status, [first, ...more]);
    }
    const parsed = parseBody(status, contentType, body);
    // An unparseable 401 is "unauthorized: authentication required".
    if (status === 401 && parsed.errors.length === 0) return new RegistryApiError(status, [{ code: 'UNAUTHORIZED', message: CODES.UNAUTHORIZED! }]);
    return parsed;
  }
  return new RegistryApiError(status, [], `received unexpected HTTP status: ${statusText(status)}`);
}

function parseBody(status: number, contentType: string | undefined, body: Buffer): RegistryApiError {
  const text = body.toString('utf8');
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json' && ct !== 'application/vnd.api+json') return new RegistryApiError(status, [makeError(status, text)]);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return new RegistryApiError(status, [], `error parsing HTTP ${status} response body: ${(e as Error).message}: ${JSON.stringify(text)}`);
  }
  const o = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  if (typeof o.details === 'string' && o.details) return new RegistryApiError(status, [makeError(status, o.details)]);
  const list = Array.isArray(o.errors) ? o.errors : [];
  const errors: ErrcodeError[] = [];
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const r = e as Record<string, unknown>;
    const raw = typeof r.code === 'string' ? r.code.toUpperCase() : 'UNKNOWN';
    const code = raw in CODES ? raw : 'UNKNOWN';
    const message = typeof r.message === 'string' && r.message ? r.message : CODES[code]!;
    errors.push({ code, message, detail: r.detail });
  }
  if (errors.length === 0) {
    if (status === 401) return new RegistryApiError(status, [{ code: 'UNAUTHORIZED', message: CODES.UNAUTHORIZED! }]);
    return new RegistryApiError(status, [], `error parsing HTTP ${status} response body: no error details found in HTTP response body: ${JSON.stringify(text)}`);
  }
  return new RegistryApiError(status, errors);
}

/**
 * A request that never got an HTTP answer (connection refused, DNS, TLS, reset), as Go's
 * url.Error: `Get "https://host/v2/": <cause>`. `fallback` marks the ones after which dockerd
 * tries the next endpoint (HTTP after HTTPS on an insecure registry).
 */
export class TransportError extends BerthError {
  constructor(readonly method: string, readonly url: string, readonly cause_: string, readonly fallback: boolean) {
    super('SystemError', `${goMethod(method)} "${url}": ${cause_}`);
  }
}

/** An error raised while authorizing a request (token fetch, missing credentials), shown as Go's url.Error. */
export class AuthError extends BerthError {
  constructor(method: string, url: string, readonly inner: BerthError | string) {
    super(typeof inner === 'string' ? 'SystemError' : inner.code, `${goMethod(method)} "${url}": ${typeof inner === 'string' ? inner : inner.message}`);
  }
  get unauthorized(): boolean {
    return this.inner instanceof RegistryApiError ? this.inner.unauthorized : true;
  }
}

export function goMethod(m: string): string {
  return m.charAt(0).toUpperCase() + m.slice(1).toLowerCase();
}

/** Go's wording of a Node network error; `fallback` when another endpoint may do better. */
export function goNetError(e: NodeJS.ErrnoException & { reason?: string }, host: string, port: number): { text: string; fallback: boolean } {
  const addr = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  const ip = (e as { address?: string }).address;
  const where = ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${(e as { port?: number }).port ?? port}` : addr;
  switch (e.code) {
    case 'ECONNREFUSED': return { text: `dial tcp ${where}: connect: connection refused`, fallback: true };
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_NONAME': return { text: `dial tcp: lookup ${host}: no such host`, fallback: true };
    case 'ETIMEDOUT': case 'ECONNTIMEOUT': return { text: `dial tcp ${where}: i/o timeout`, fallback: true };
    case 'EHOSTUNREACH': return { text: `dial tcp ${where}: connect: no route to host`, fallback: true };
    case 'ENETUNREACH': return { text: `dial tcp ${where}: connect: network is unreachable`, fallback: true };
    case 'ECONNRESET': return { text: `read tcp ${where}: read: connection reset by peer`, fallback: true };
    case 'EPIPE': return { text: `write tcp ${where}: write: broken pipe`, fallback: true };
    case 'ERR_SSL_WRONG_VERSION_NUMBER': case 'ERR_SSL_PACKET_LENGTH_TOO_LONG': case 'EPROTO':
      return { text: 'http: server gave HTTP response to HTTPS client', fallback: true };
    case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': case 'UNABLE_TO_GET_ISSUER_CERT':
      return { text: 'tls: failed to verify certificate: x509: certificate signed by unknown authority', fallback: true };
    case 'CERT_HAS_EXPIRED': case 'CERT_NOT_YET_VALID':
      return { text: 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid', fallback: true };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { text: `tls: failed to verify certificate: x509: ${e.reason ?? e.message}`, fallback: true };
    default:
      if (typeof e.code === 'string' && e.code.startsWith('ERR_SSL')) return { text: `remote error: tls: ${e.reason ?? e.message}`, fallback: true };
      return { text: e.message, fallback: false };
  }
}
