// `berth push NAME[:TAG]` (`image push`): as `docker push`, with the registry's
// stored credentials sent to the daemon in X-Registry-Auth. Without a tag,
// `latest` is pushed, or with -a every local tag of the repository.
import { familiarName, formatReference, parseReferenceLoose } from '../../oci/reference.ts';
import { invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { imagePath } from './image-format.ts';
import { authHeaders, showRegistryProgress } from './pull.ts';

export const pushCommand = defineCommand({
  name: 'push',
  aliases: ['image push'],
  summary: 'Upload an image to a registry',
  usage: '[OPTIONS] NAME[:TAG]',
  common: true,
  args: { min: 1, max: 1 },
  options: {
    'all-tags': { type: 'boolean', short: 'a', help: 'Push all tags of an image to the repository' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress verbose output' },
    'disable-content-trust': { type: 'boolean', help: 'Skip image signing (default true)', hidden: true },
  },
  async run(ctx) {
    const ref = parseReferenceLoose(ctx.args[0]);
    const all = ctx.options['all-tags'] ?? false;
    const quiet = ctx.options.quiet ?? false;
    if (ref.digest) throw invalidArgument(`cannot push a digest reference: ${ctx.args[0]}`);
    if (all && ref.tag) throw invalidArgument("tag can't be used with --all-tags/-a");
    let tag = ref.tag;
    if (!all && !tag) {
      tag = 'latest';
      if (!quiet) ctx.stdout.write('Using default tag: latest\n');
    }
    const headers = await authHeaders(ref.domain, ctx.env);
    const client = await ctx.client();
    const res = await client.request('POST', `/images/${imagePath(familiarName(ref))}/push`, {
      query: { tag },
      headers,
    });
    await showRegistryProgress(res, ctx.stdout, quiet);
    if (quiet) ctx.stdout.write(`${formatReference({ domain: ref.domain, path: ref.path, tag })}\n`);
    return 0;
  },
});
