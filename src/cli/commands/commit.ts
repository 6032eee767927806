// `berth commit CONTAINER [REPOSITORY[:TAG]]` (`container commit`): a new image
// from the container's changes, as `docker commit` makes it; prints its ID. The
// name is checked here first, as Docker's client checks it.
import { familiarName, parseReferenceLoose } from '../../oci/reference.ts';
import { invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';

export const commitCommand = defineCommand({
  name: 'commit',
  aliases: ['container commit'],
  summary: "Create a new image from a container's changes",
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  args: { min: 1, max: 2 },
  options: {
    author: {
      type: 'string',
      short: 'a',
      valueName: 'string',
      help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    change: {
      type: 'string',
      short: 'c',
      multiple: true,
      valueName: 'list',
      help: 'Apply Dockerfile instruction to the created image',
    },
    message: { type: 'string', short: 'm', valueName: 'string', help: 'Commit message' },
    pause: { type: 'boolean', short: 'p', help: 'Pause container during commit (default true)' },
  },
  async run(ctx) {
    const [container, reference] = ctx.args;
    let repo: string | undefined;
    let tag: string | undefined;
    if (reference !== undefined) {
      const ref = parseReferenceLoose(reference);
      if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
      repo = familiarName(ref);
      tag = ref.tag ?? 'latest';
    }
    const client = await ctx.client();
    const res = await client.json<{ Id: string }>('POST', '/commit', {
      query: {
        container,
        repo,
        tag,
        comment: ctx.options.message,
        author: ctx.options.author,
        changes: ctx.options.change,
        pause: ctx.options.pause === false ? '0' : undefined,
      },
    });
    ctx.stdout.write(`${res.Id}\n`);
    return 0;
  },
});
