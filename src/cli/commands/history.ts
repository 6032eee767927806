// `berth history IMAGE` (`image history`): the steps that made an image, newest
// first, as `docker history` shows them.
import { defineCommand } from '../command.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { timeAgo } from '../output/units.ts';
import { ellipsis, humanSizeDigits, imagePath, rfc3339, truncateId } from './image-format.ts';

interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

const HISTORY_TABLE = '{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
/** With --human=false Docker's table shows the RFC 3339 time under CREATED AT. */
const HISTORY_TABLE_NOT_HUMAN = '{{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HISTORY_HEADERS = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** Docker's fields of a history row, in the order `--format json` prints them. */
function historyRow(h: HistoryItem, human: boolean, trunc: boolean) {
  const created = new Date(h.Created * 1000);
  const createdAt = rfc3339(created);
  const createdBy = h.CreatedBy.replaceAll('\t', ' ');
  return {
    Comment: h.Comment,
    CreatedAt: createdAt,
    CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
    CreatedSince: human ? timeAgo(created) : createdAt,
    ID: trunc ? truncateId(h.Id) : h.Id,
    Size: human ? humanSizeDigits(h.Size, 3) : String(h.Size),
  };
}

export const historyCommand = defineCommand({
  name: 'history',
  aliases: ['image history'],
  summary: 'Show the history of an image',
  usage: '[OPTIONS] IMAGE',
  args: { min: 1, max: 1 },
  options: {
    format: LIST_FORMAT_OPTION,
    human: {
      type: 'boolean',
      short: 'H',
      help: 'Print sizes and dates in human readable format (default true)',
    },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
  },
  async run(ctx) {
    const o = ctx.options;
    const client = await ctx.client();
    const items = await client.get<HistoryItem[]>(`/images/${imagePath(ctx.args[0])}/history`);
    const human = o.human ?? true;
    const rows = items.map((h) => historyRow(h, human, !o['no-trunc']));
    const f = o.format?.trim() ?? '';
    const table = human ? HISTORY_TABLE : HISTORY_TABLE_NOT_HUMAN;
    const format = f === '' || f === 'table' ? (o.quiet ? '{{.ID}}' : `table ${table}`) : f;
    ctx.stdout.write(formatList(rows, { format, defaultTable: HISTORY_TABLE, headers: HISTORY_HEADERS }));
    return 0;
  },
});
