// One error class for all of berth. Every failure carries a `code` from a small
// fixed set; the faces translate that code in one place each: to an exit code
// (cli), to an HTTP status (api), to an OCI distribution error (registry).
// Messages carry the user's own words (the reference, the file and line).

export type ErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'Conflict'
  | 'FailedPrecondition'
  | 'DigestMismatch'
  | 'PermissionDenied'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Internal';

export class BerthError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.code = code;
  }
}

export const notFound = (msg: string) => new BerthError('NotFound', msg);
export const invalidArgument = (msg: string) => new BerthError('InvalidArgument', msg);
export const conflict = (msg: string) => new BerthError('Conflict', msg);

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

const ERRNO_CODES: Record<string, ErrorCode> = {
  ENOENT: 'NotFound',
  ENOTDIR: 'NotFound',
  EEXIST: 'AlreadyExists',
  ENOTEMPTY: 'Conflict',
  EBUSY: 'Conflict',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EROFS: 'PermissionDenied',
  EINVAL: 'InvalidArgument',
  ENOSPC: 'Unavailable',
  EAGAIN: 'Unavailable',
  ECONNREFUSED: 'Unavailable',
};

/** errno of a Node system error, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** Translate a filesystem error at the edge into a BerthError that says what was being done. */
export function fromErrno(err: unknown, doing: string): BerthError {
  if (err instanceof BerthError) return err;
  const errno = errnoOf(err);
  const code = (errno && ERRNO_CODES[errno]) || 'Internal';
  const detail = err instanceof Error ? err.message : String(err);
  return new BerthError(code, `${doing}: ${detail}`, { cause: err });
}

/** Any thrown value as a BerthError (unknown failures are Internal). */
export function asBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  if (errnoOf(err)) return fromErrno(err, 'system error');
  return new BerthError('Internal', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Docker's CLI exit status for a failure of berth itself is 125. */
export const EXIT_BERTH_FAILED = 125;

const HTTP_STATUS: Record<ErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  InvalidArgument: 400,
  Conflict: 409,
  FailedPrecondition: 409,
  DigestMismatch: 400,
  PermissionDenied: 403,
  Unavailable: 503,
  NotImplemented: 501,
  Internal: 500,
};

export const httpStatusOf = (code: ErrorCode): number => HTTP_STATUS[code];

/** The inverse, for the client: an HTTP status from the daemon back to a code. */
export function codeOfHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'InvalidArgument';
    case 403:
      return 'PermissionDenied';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 501:
      return 'NotImplemented';
    case 503:
      return 'Unavailable';
    default:
      return 'Internal';
  }
}
