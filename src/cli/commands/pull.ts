// `berth pull NAME[:TAG|@DIGEST]` (`image pull`): as `docker pull`, the
// credentials for the registry are looked up here, in the docker CLI's
// config.json (or its credential helper), and sent to the daemon in
// X-Registry-Auth; the daemon pulls. Progress is drawn per layer on a
// terminal and as plain lines elsewhere; the full reference is printed last.
import type { Writable } from 'node:stream';
import { registryAuthFor } from '../../distribution/credential-store.ts';
import { type DisplayMessage, ProgressDisplay } from '../../distribution/progress-display.ts';
import { familiarName, formatReference, parseReferenceLoose } from '../../oci/reference.ts';
import { invalidArgument } from '../../util/errors.ts';
import { type Client, readJsonLines } from '../client.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { isTerminal } from './terminal.ts';

/** Show a pull or push progress stream on `out` (nothing with quiet); an error message in it is thrown. */
export async function showRegistryProgress(body: AsyncIterable<unknown>, out: Writable, quiet: boolean) {
  const sink: Writable = quiet ? ({ write: () => true } as unknown as Writable) : out;
  const width = (out as { columns?: number }).columns ?? 80;
  const display = new ProgressDisplay(sink, !quiet && isTerminal(out), width);
  for await (const m of readJsonLines<DisplayMessage>(body)) display.show(m);
}

/** The X-Registry-Auth header for a registry, when credentials are stored for it. */
export async function authHeaders(
  domain: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  const auth = await registryAuthFor(domain, env);
  return auth ? { 'X-Registry-Auth': auth } : {};
}

/** Pull for `run`/`create` (`--pull`, or an image not found): progress on stderr, as docker shows it. */
export async function pullImage(
  ctx: CommandContext,
  client: Client,
  image: string,
  platform: string | undefined,
  quiet: boolean,
): Promise<void> {
  const ref = parseReferenceLoose(image);
  const tag = ref.digest ?? ref.tag ?? 'latest';
  const res = await client.request('POST', '/images/create', {
    query: { fromImage: familiarName(ref), tag, platform },
    headers: await authHeaders(ref.domain, ctx.env),
  });
  await showRegistryProgress(res, ctx.stderr, quiet);
}

export const pullCommand = defineCommand({
  name: 'pull',
  aliases: ['image pull'],
  summary: 'Download an image from a registry',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  common: true,
  args: { min: 1, max: 1 },
  options: {
    'all-tags': { type: 'boolean', short: 'a', help: 'Download all tagged images in the repository' },
    platform: {
      type: 'string',
      valueName: 'string',
      help: 'Set platform if server is multi-platform capable',
    },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress verbose output' },
    'disable-content-trust': {
      type: 'boolean',
      help: 'Skip image verification (default true)',
      hidden: true,
    },
  },
  async run(ctx) {
    const ref = parseReferenceLoose(ctx.args[0]);
    const all = ctx.options['all-tags'] ?? false;
    const quiet = ctx.options.quiet ?? false;
    if (all && (ref.tag || ref.digest)) throw invalidArgument("tag can't be used with --all-tags/-a");
    let tag = ref.digest ?? ref.tag;
    if (!all && !tag) {
      tag = 'latest';
      if (!quiet) ctx.stdout.write('Using default tag: latest\n');
    }
    const headers = await authHeaders(ref.domain, ctx.env);
    const client = await ctx.client();
    const res = await client.request('POST', '/images/create', {
      query: { fromImage: familiarName(ref), tag: all ? undefined : tag, platform: ctx.options.platform },
      headers,
    });
    await showRegistryProgress(res, ctx.stdout, quiet);
    const pulled = all
      ? { domain: ref.domain, path: ref.path }
      : ref.digest
        ? { domain: ref.domain, path: ref.path, digest: ref.digest }
        : { domain: ref.domain, path: ref.path, tag };
    ctx.stdout.write(`${formatReference(pulled)}\n`);
    return 0;
  },
});
