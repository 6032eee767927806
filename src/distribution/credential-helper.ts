// Docker's credential helper protocol: a program `docker-credential-<name>`
// on PATH, run with one verb. `get` reads a server URL on stdin and prints
// `{"ServerURL","Username","Secret"}`; `store` reads that JSON; `erase` reads a
// server URL. A Username of `<token>` means the Secret is an identity token.
// A helper that has nothing for a server says so on stdout and exits 1.
import { spawn } from 'node:child_process';
import { BerthError, errnoOf } from '../util/errors.ts';
import type { Credentials } from './credentials.ts';

const TOKEN_USERNAME = '<token>';
const NOT_FOUND = /credentials not found/i;

type Env = Readonly<Record<string, string | undefined>>;

interface HelperRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runHelper(name: string, verb: string, input: string, env: Env): Promise<HelperRun> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [verb], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => {
      reject(
        errnoOf(err) === 'ENOENT'
          ? new BerthError(
              'NotFound',
              `credential helper ${program} not found on PATH; install it or change credsStore in config.json`,
            )
          : new BerthError('Internal', `running ${program} ${verb}: ${err.message}`),
      );
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // a helper that exits without reading
    child.stdin.end(input);
  });
}

function failed(name: string, verb: string, r: HelperRun): BerthError {
  const said = (r.stdout.trim() || r.stderr.trim()).slice(0, 500);
  return new BerthError('Internal', `docker-credential-${name} ${verb} failed${said ? `: ${said}` : ''}`);
}

export async function helperGet(name: string, serverUrl: string, env: Env): Promise<Credentials | undefined> {
  const r = await runHelper(name, 'get', serverUrl, env);
  if (r.code !== 0) {
    if (NOT_FOUND.test(r.stdout) || NOT_FOUND.test(r.stderr)) return undefined;
    throw failed(name, 'get', r);
  }
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(r.stdout) as typeof doc;
  } catch {
    throw new BerthError('Internal', `docker-credential-${name} get printed something that is not JSON`);
  }
  const username = typeof doc.Username === 'string' ? doc.Username : '';
  const secret = typeof doc.Secret === 'string' ? doc.Secret : '';
  if (!username && !secret) return undefined;
  if (username === TOKEN_USERNAME) return { serveraddress: serverUrl, identitytoken: secret };
  return { serveraddress: serverUrl, username, password: secret };
}

export async function helperStore(name: string, serverUrl: string, c: Credentials, env: Env): Promise<void> {
  const body = c.identitytoken
    ? { ServerURL: serverUrl, Username: TOKEN_USERNAME, Secret: c.identitytoken }
    : { ServerURL: serverUrl, Username: c.username ?? '', Secret: c.password ?? '' };
  const r = await runHelper(name, 'store', JSON.stringify(body), env);
  if (r.code !== 0) throw failed(name, 'store', r);
}

export async function helperErase(name: string, serverUrl: string, env: Env): Promise<void> {
  const r = await runHelper(name, 'erase', serverUrl, env);
  if (r.code !== 0 && !NOT_FOUND.test(r.stdout) && !NOT_FOUND.test(r.stderr)) throw failed(name, 'erase', r);
}
