// `berth login [SERVER]`: as `docker login`, the daemon checks the credentials
// against the registry (POST /auth) and this command stores them where the
// docker CLI would (a credential helper, or config.json), so either tool can
// use the login. Without -u/-p, stored credentials are tried first, then the
// user is asked on a terminal; --password-stdin reads the password from stdin.
import type { Readable, Writable } from 'node:stream';
import { getCredentials, storeCredentials } from '../../distribution/credential-store.ts';
import type { Credentials } from '../../distribution/credentials.ts';
import { credentialKeyOf } from '../../distribution/server-address.ts';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import type { Client } from '../client.ts';
import { defineCommand } from '../command.ts';
import { isTerminal } from './terminal.ts';

/** All of stdin, without the line end a shell's echo or a file leaves. */
async function readAll(input: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** One line from a terminal; with `hidden`, typed characters are not echoed. */
function ask(question: string, input: Readable, out: Writable, hidden: boolean): Promise<string> {
  out.write(question);
  const tty = input as Readable & { setRawMode?(on: boolean): void; isRaw?: boolean };
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (value: string | undefined) => {
      input.off('data', onData);
      if (hidden) tty.setRawMode?.(false);
      input.pause();
      if (hidden) out.write('\n');
      if (value === undefined) reject(new BerthError('InvalidArgument', 'login canceled'));
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish(text);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    if (hidden) tty.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

interface AuthAnswer {
  Status?: string;
  IdentityToken?: string;
}

async function tryLogin(client: Client, creds: Credentials): Promise<AuthAnswer> {
  return (await client.post<AuthAnswer>('/auth', creds)) ?? {};
}

export const loginCommand = defineCommand({
  name: 'login',
  summary: 'Authenticate to a registry',
  usage: '[OPTIONS] [SERVER]',
  common: true,
  args: { max: 1 },
  options: {
    username: { type: 'string', short: 'u', valueName: 'string', help: 'Username' },
    password: {
      type: 'string',
      short: 'p',
      valueName: 'string',
      help: 'Password or Personal Access Token (PAT)',
    },
    'password-stdin': {
      type: 'boolean',
      help: 'Take the Password or Personal Access Token (PAT) from stdin',
    },
  },
  async run(ctx) {
    const key = credentialKeyOf(ctx.args[0]);
    let { username, password } = ctx.options;
    if (ctx.options['password-stdin']) {
      if (password !== undefined)
        throw invalidArgument('--password and --password-stdin are mutually exclusive');
      if (!username) throw invalidArgument('Must provide --username with --password-stdin');
      password = await readAll(process.stdin);
    }
    if (password !== undefined && !ctx.options['password-stdin']) {
      ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    const client = await ctx.client();
    if (!username && password === undefined) {
      const stored = await getCredentials(key, ctx.env);
      if (stored) {
        ctx.stdout.write(
          `Authenticating with existing credentials...${stored.username ? ` [Username: ${stored.username}]` : ''}\n`,
        );
        const answer = await tryLogin(client, { ...stored, serveraddress: key }).catch(() => undefined);
        if (answer) {
          ctx.stdout.write(`${answer.Status ?? 'Login Succeeded'}\n`);
          return 0;
        }
        ctx.stderr.write('Login did not succeed, error: the stored credentials were refused\n');
      }
    }
    if (!username || password === undefined) {
      if (!isTerminal(process.stdin)) {
        throw invalidArgument('Error: Cannot perform an interactive login from a non TTY device');
      }
      username ||= await ask('Username: ', process.stdin, ctx.stdout, false);
      if (!username) throw invalidArgument('Error: Non-null Username Required');
      password ??= await ask('Password: ', process.stdin, ctx.stdout, true);
      if (!password) throw invalidArgument('Error: Password Required');
    }
    const answer = await tryLogin(client, { username, password, serveraddress: key });
    const creds: Credentials = answer.IdentityToken
      ? { username, identitytoken: answer.IdentityToken }
      : { username, password };
    const where = await storeCredentials(key, creds, ctx.env);
    if (where.endsWith('config.json')) {
      ctx.stderr.write(
        `WARNING! Your credentials are stored unencrypted in '${where}'.\nConfigure a credential helper to remove this warning.\n\n`,
      );
    }
    ctx.stdout.write(`${answer.Status ?? 'Login Succeeded'}\n`);
    return 0;
  },
});
