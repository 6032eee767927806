// `--format` for listing and inspecting commands: a table by default, `table
// TEMPLATE` for a table of chosen columns, `json` for one JSON object per line, or
// any other Go template applied to each item.
import { alignTabbed } from './table.ts';
import { Template } from './template.ts';

const TABLE_PREFIX = 'table';

/** Docker lets a shell-quoted format spell tabs and newlines as `\t` and `\n`. */
const unescapeFormat = (s: string): string => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');

/** `--format` of a listing command, with Docker's help text. */
export const LIST_FORMAT_OPTION = {
  type: 'string',
  valueName: 'string',
  help: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template",
} as const;

export interface ListFormat {
  /** The user's `--format`, if any. */
  readonly format?: string;
  /** The default table template's columns, as `{{.ID}}\t{{.Name}}`. */
  readonly defaultTable: string;
  /** Column headers by field name; a field not listed is headed by its name in capitals. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The header row's data: each field reads as its column's header. */
function headerData(headers: Readonly<Record<string, string>>): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? (headers[key] ?? key.toUpperCase()) : undefined),
    has: () => true,
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string'
        ? { value: headers[key] ?? key.toUpperCase(), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/** Render a list of items (image rows, containers) as the user asked. */
export function formatList(items: readonly unknown[], spec: ListFormat): string {
  const format = spec.format?.trim() ?? '';
  if (format === 'json') return items.map((i) => `${JSON.stringify(i)}\n`).join('');
  const isTable = format === '' || format === TABLE_PREFIX || format.startsWith(`${TABLE_PREFIX} `);
  if (!isTable) {
    const t = new Template(unescapeFormat(format));
    return items.map((i) => `${t.execute(i)}\n`).join('');
  }
  const body =
    format.length > TABLE_PREFIX.length ? format.slice(TABLE_PREFIX.length).trim() : spec.defaultTable;
  const t = new Template(unescapeFormat(body));
  let text = `${t.execute(headerData(spec.headers ?? {}))}\n`;
  for (const item of items) text += `${t.execute(item)}\n`;
  return alignTabbed(text);
}

/** Render one object (version, info, an inspect result) with a user's `--format`. */
export function formatOne(item: unknown, format: string): string {
  if (format.trim() === 'json') return `${JSON.stringify(item)}\n`;
  return `${new Template(unescapeFormat(format)).execute(item)}\n`;
}
