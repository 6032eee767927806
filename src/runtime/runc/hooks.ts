// OCI hooks: each is run with the container's state on stdin; a non-zero exit or a
// timeout is a failure naming the hook.
import { spawn } from 'node:child_process';
import { BerthError } from '../../util/errors.ts';
import type { Hook } from '../spec/types.ts';

export async function runHooks(
  kind: string,
  hooks: readonly Hook[] | undefined,
  state: unknown,
): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) await runHook(`hooks.${kind}[${i}]`, hook, state);
}

function runHook(where: string, hook: Hook, state: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const [argv0, ...rest] = hook.args?.length ? hook.args : [hook.path];
    const child = spawn(hook.path, rest, {
      argv0,
      env: Object.fromEntries(
        (hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      ),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = hook.timeout ? setTimeout(() => child.kill('SIGKILL'), hook.timeout * 1000) : undefined;
    child.stdin?.on('error', () => {});
    child.stdin?.end(JSON.stringify(state));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new BerthError('FailedPrecondition', `${where} (${hook.path}): ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = signal
        ? `killed by ${signal}${hook.timeout ? ` (timeout ${hook.timeout}s)` : ''}`
        : `exit status ${code}`;
      reject(
        new BerthError(
          'FailedPrecondition',
          `${where} (${hook.path}) failed: ${why}${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    });
  });
}
