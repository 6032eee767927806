// Failures reported by berth-native, as BerthErrors naming the step that failed.
import { getSystemErrorMap } from 'node:util';
import { BerthError, type ErrorCode } from '../../util/errors.ts';
import type { NativeError } from './handshake.ts';

const CODE_OF_ERRNO: Record<string, ErrorCode> = {
  ENOENT: 'NotFound',
  ENOTDIR: 'NotFound',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EROFS: 'PermissionDenied',
  EEXIST: 'AlreadyExists',
  EBUSY: 'Conflict',
  EINVAL: 'InvalidArgument',
  ENOSPC: 'Unavailable',
  EAGAIN: 'Unavailable',
  ENOMEM: 'Unavailable',
  ENOSYS: 'NotImplemented',
  EOPNOTSUPP: 'NotImplemented',
};

export class LaunchError extends BerthError {
  /** The step of native/PLAN.md that failed, e.g. `mount`, `exec`. */
  readonly step: string;
  /** errno name (`ENOENT`) or undefined when the failure had none. */
  readonly errno: string | undefined;
  constructor(code: ErrorCode, step: string, errno: string | undefined, message: string) {
    super(code, message);
    this.name = 'LaunchError';
    this.step = step;
    this.errno = errno;
  }
}

export function launchErrorOf(e: NativeError): LaunchError {
  const sys = e.errno ? getSystemErrorMap().get(-e.errno) : undefined;
  const name = sys?.[0];
  const why = sys ? `: ${sys[1]} (${sys[0]})` : '';
  const code = (name && CODE_OF_ERRNO[name]) || 'Internal';
  return new LaunchError(
    code,
    e.step,
    name,
    `starting the container failed at step "${e.step}": ${e.detail}${why}`,
  );
}

/** Docker's exit status for a failed start: 127 command not found, 126 not executable, else 125. */
export function exitCodeOfLaunchError(err: LaunchError): number {
  if (err.step !== 'exec') return 125;
  if (err.errno === 'ENOENT' || err.errno === 'ENOTDIR') return 127;
  return 126;
}
