// `berth import SOURCE [REPOSITORY[:TAG]]` (`image import`): a root filesystem
// tarball becomes a one-layer image, as `docker import` makes it. The source is
// a file, `-` for stdin, an http(s) URL the daemon downloads, or (berth's
// addition) a directory, packed here as a layer tar and streamed. Prints the
// new image's ID.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { packDirectory } from '../../layer/pack-directory.ts';
import { parseReferenceLoose } from '../../oci/reference.ts';
import { fromErrno, invalidArgument } from '../../util/errors.ts';
import { defineCommand } from '../command.ts';
import { displayJsonMessages } from './message-stream.ts';

/** The body to send and the fromSrc that says what it is. */
async function sourceOf(source: string): Promise<{ fromSrc: string; body?: Readable }> {
  if (source === '-') return { fromSrc: '-', body: process.stdin };
  if (/^https?:\/\//.test(source)) return { fromSrc: source };
  const st = await stat(source).catch((err) => Promise.reject(fromErrno(err, `open ${source}`)));
  if (st.isDirectory()) return { fromSrc: '-', body: packDirectory(source) };
  return { fromSrc: '-', body: createReadStream(source) };
}

export const importCommand = defineCommand({
  name: 'import',
  aliases: ['image import'],
  summary: 'Import the contents from a tarball, a URL or a directory to create a filesystem image',
  usage: '[OPTIONS] file|URL|-|DIR [REPOSITORY[:TAG]]',
  args: { min: 1, max: 2 },
  options: {
    change: {
      type: 'string',
      short: 'c',
      multiple: true,
      valueName: 'list',
      help: 'Apply Dockerfile instruction to the created image',
    },
    message: {
      type: 'string',
      short: 'm',
      valueName: 'string',
      help: 'Set commit message for imported image',
    },
    platform: {
      type: 'string',
      valueName: 'string',
      help: 'Set platform if server is multi-platform capable',
    },
  },
  async run(ctx) {
    const [source, reference] = ctx.args;
    if (reference !== undefined) {
      const ref = parseReferenceLoose(reference);
      if (ref.digest) throw invalidArgument(`refusing to create a tag with a digest reference: ${reference}`);
    }
    const { fromSrc, body } = await sourceOf(source);
    const client = await ctx.client();
    const res = await client.request('POST', '/images/create', {
      query: {
        fromSrc,
        repo: reference,
        message: ctx.options.message,
        changes: ctx.options.change,
        platform: ctx.options.platform,
      },
      ...(body ? { body, headers: { 'Content-Type': 'application/x-tar' } } : {}),
    });
    await displayJsonMessages(res, ctx.stdout);
    return 0;
  },
});
