// `berth tag SOURCE TARGET` (`image tag`): another name for an image, as
// `docker tag` makes one. The target is checked here first, as Docker's client
// checks it, so a bad name fails without a request.
import { parseReferenceLoose, repositoryOf } from '../../oci/reference.ts';
import { invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { imagePath } from './image-format.ts';

export const tagCommand = defineCommand({
  name: 'tag',
  aliases: ['image tag'],
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  args: { min: 2, max: 2 },
  async run(ctx) {
    const [source, target] = ctx.args;
    const ref = parseReferenceLoose(target);
    if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
    const client = await ctx.client();
    await client
      .request('POST', `/images/${imagePath(source)}/tag`, {
        query: { repo: repositoryOf(ref), tag: ref.tag ?? 'latest' },
      })
      .then((res) => res.resume());
    return 0;
  },
});
