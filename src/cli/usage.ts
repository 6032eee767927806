// Help text: `berth --help`, `berth COMMAND --help`, `berth GROUP --help`.
import type { OptionSpecs } from './args.ts';
import type { Command, CommandGroup } from './command.ts';

export const PROGRAM = 'berth';

export const GLOBAL_OPTIONS = {
  host: {
    type: 'string',
    short: 'H',
    valueName: 'string',
    help: 'Daemon socket to connect to (unix:///path); env BERTH_HOST',
  },
  root: {
    type: 'string',
    valueName: 'string',
    help: 'Root of persistent state for an auto-started daemon; env BERTH_ROOT',
  },
  state: {
    type: 'string',
    valueName: 'string',
    help: 'Root of runtime state for an auto-started daemon; env BERTH_STATE',
  },
  debug: { type: 'boolean', short: 'D', help: 'Enable debug mode' },
  version: { type: 'boolean', short: 'v', help: 'Print version information and quit' },
  help: { type: 'boolean', short: 'h', help: 'Print usage' },
} as const satisfies OptionSpecs;

const valueName = (spec: OptionSpecs[string]): string =>
  spec.type === 'boolean'
    ? ''
    : (spec.valueName ?? (spec.multiple ? 'list' : spec.type === 'int' ? 'int' : 'string'));

export function renderOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs)
    .filter(([, s]) => !s.hidden)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => {
      const v = valueName(s);
      return [`${s.short ? `-${s.short}, ` : '    '}--${name}${v ? ` ${v}` : ''}`, s.help] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows
    .map(([left, help]) => {
      const [first, ...more] = help.split('\n');
      const indent = ' '.repeat(width + 5);
      return `  ${left.padEnd(width)}   ${first}${more.map((m) => `\n${indent}${m}`).join('')}`;
    })
    .join('\n');
}

const listing = (entries: readonly { name: string; summary: string }[]): string => {
  const width = Math.max(12, ...entries.map((e) => e.name.length + 2));
  return entries.map((e) => `  ${e.name.padEnd(width)}${e.summary}`).join('\n');
};

export function commandHelp(cmd: Command, options: OptionSpecs): string {
  let out = `\nUsage:  ${PROGRAM} ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ''}\n\n${cmd.summary}\n`;
  if (cmd.aliases?.length)
    out += `\nAliases:\n  ${[cmd.name, ...cmd.aliases].map((a) => `${PROGRAM} ${a}`).join(', ')}\n`;
  const shown = Object.values(options).some((o) => !o.hidden);
  if (shown) out += `\nOptions:\n${renderOptions(options)}\n`;
  return out;
}

export function groupHelp(group: CommandGroup, commands: readonly Command[]): string {
  const members = commands
    .flatMap((c) => [c.name, ...(c.aliases ?? [])].map((n) => ({ n, c })))
    .filter(({ n }) => n.startsWith(`${group.name} `))
    .map(({ n, c }) => ({ name: n.slice(group.name.length + 1), summary: c.summary }));
  return (
    `\nUsage:  ${PROGRAM} ${group.name} COMMAND\n\n${group.summary}\n\nCommands:\n${listing(members)}\n\n` +
    `Run '${PROGRAM} ${group.name} COMMAND --help' for more information on a command.\n`
  );
}

export function mainHelp(commands: readonly Command[], groups: readonly CommandGroup[]): string {
  const topLevel = commands.filter((c) => !c.name.includes(' '));
  const common = topLevel.filter((c) => c.common);
  const others = topLevel.filter((c) => !c.common);
  let out = `\nUsage:  ${PROGRAM} [OPTIONS] COMMAND\n\nA container platform: build, run and move images, Docker's way\n`;
  if (common.length) out += `\nCommon Commands:\n${listing(common)}\n`;
  if (groups.length) out += `\nManagement Commands:\n${listing(groups)}\n`;
  if (others.length) out += `\nCommands:\n${listing(others)}\n`;
  out += `\nGlobal Options:\n${renderOptions(GLOBAL_OPTIONS)}\n`;
  out += `\nRun '${PROGRAM} COMMAND --help' for more information on a command.\n`;
  return out;
}
