// Running the host's network tools (ip, iptables-save/-restore, unshare, umount, the
// CNI plugins): arguments as an array, optional stdin, stdout back; a failure becomes
// a BerthError that says what berth was doing and what the tool printed.
import { spawn } from 'node:child_process';
import { BerthError } from '../util/errors.ts';

export interface CommandOptions {
  input?: string;
  env?: Record<string, string>;
  /** What berth was doing, for the error ("creating bridge br-1a2b"). */
  doing: string;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function execHost(
  command: string,
  args: readonly string[],
  o: CommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) =>
      reject(new BerthError('FailedPrecondition', `${o.doing}: cannot run ${command}: ${e.message}`)),
    );
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
  });
}

export async function runHost(command: string, args: readonly string[], o: CommandOptions): Promise<string> {
  const r = await execHost(command, args, o);
  if (r.code === 0) return r.stdout;
  const said = (r.stderr || r.stdout).trim();
  throw new BerthError('Internal', `${o.doing}: ${command} exited with ${r.code}: ${said}`);
}
