// The error codes of the OCI distribution spec. The registry's stores raise them as
// RegistryError (a BerthError with the spec's code beside berth's own), and the server
// turns them into a status and the spec's error body in one place (server/respond.ts).
import { BerthError, type ErrorCode } from '../util/errors.ts';

export type OciErrorCode =
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
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  // distribution's own, beyond the spec's list: a bad `n` of a paginated list.
  | 'PAGINATION_NUMBER_INVALID';

/** Each code's usual status and berth's own code for it. */
const CODES: Record<OciErrorCode, { status: number; berth: ErrorCode }> = {
  BLOB_UNKNOWN: { status: 404, berth: 'NotFound' },
  BLOB_UPLOAD_INVALID: { status: 400, berth: 'InvalidArgument' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, berth: 'NotFound' },
  DIGEST_INVALID: { status: 400, berth: 'DigestMismatch' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, berth: 'FailedPrecondition' },
  MANIFEST_INVALID: { status: 400, berth: 'InvalidArgument' },
  MANIFEST_UNKNOWN: { status: 404, berth: 'NotFound' },
  NAME_INVALID: { status: 400, berth: 'InvalidArgument' },
  NAME_UNKNOWN: { status: 404, berth: 'NotFound' },
  SIZE_INVALID: { status: 400, berth: 'InvalidArgument' },
  UNAUTHORIZED: { status: 401, berth: 'PermissionDenied' },
  DENIED: { status: 403, berth: 'PermissionDenied' },
  UNSUPPORTED: { status: 405, berth: 'NotImplemented' },
  TOOMANYREQUESTS: { status: 429, berth: 'Unavailable' },
  PAGINATION_NUMBER_INVALID: { status: 400, berth: 'InvalidArgument' },
};

export class RegistryError extends BerthError {
  readonly ociCode: OciErrorCode;
  /** The status to answer with, when it differs from the code's usual one (413, 416). */
  readonly status: number;
  readonly detail?: unknown;

  constructor(
    ociCode: OciErrorCode,
    message: string,
    opts: { status?: number; detail?: unknown; cause?: unknown } = {},
  ) {
    super(CODES[ociCode].berth, message, { cause: opts.cause });
    this.name = 'RegistryError';
    this.ociCode = ociCode;
    this.status = opts.status ?? CODES[ociCode].status;
    this.detail = opts.detail;
  }
}

export const isRegistryError = (err: unknown, code?: OciErrorCode): err is RegistryError =>
  err instanceof RegistryError && (code === undefined || err.ociCode === code);

export const registryError = (code: OciErrorCode, message: string, detail?: unknown) =>
  new RegistryError(code, message, { detail });
