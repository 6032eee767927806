// The kernel's values for seccomp actions (SECCOMP_RET_*) and filter flags
// (SECCOMP_FILTER_FLAG_*), from linux/seccomp.h.
import { BerthError } from '../../util/errors.ts';

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

export const EPERM = 1;

/**
 * The filter's return value for an action. ERRNO and TRACE carry `errnoRet`
 * (EPERM when absent, as runc does); other actions ignore it. `where` names the
 * field for error messages.
 */
export function actionReturn(action: string, errnoRet: number | undefined | null, where: string): number {
  const data = () => {
    const e = errnoRet ?? EPERM;
    if (!Number.isInteger(e) || e < 0 || e > SECCOMP_RET_DATA) {
      throw new BerthError(
        'InvalidArgument',
        `seccomp: ${where} errno ${e} is not an integer from 0 to 65535`,
      );
    }
    return e;
  };
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET_ERRNO | data()) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (SECCOMP_RET_TRACE | data()) >>> 0;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET_LOG;
    case 'SCMP_ACT_NOTIFY':
      throw new BerthError(
        'NotImplemented',
        `seccomp: ${where} is SCMP_ACT_NOTIFY, which needs a seccomp listener (listenerPath); berth has none. ` +
          'Use SCMP_ACT_ERRNO or SCMP_ACT_TRACE instead',
      );
    default:
      throw new BerthError('InvalidArgument', `seccomp: ${where} "${action}" is not a seccomp action`);
  }
}

const FLAG_BITS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_NEW_LISTENER: 8,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH: 16,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** The `flags` argument of seccomp(SECCOMP_SET_MODE_FILTER, ...) for an OCI `flags` list. */
export function seccompFlagBits(flags: readonly string[] | undefined): number {
  let bits = 0;
  for (const f of flags ?? []) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) {
      throw new BerthError(
        'InvalidArgument',
        `seccomp: flag "${f}" is not one of ${Object.keys(FLAG_BITS).join(', ')}`,
      );
    }
    bits |= bit;
  }
  return bits;
}
