// Instructions that carry a command line: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK.
import type { InstructionNode } from '../ast.ts';
import { chompHeredoc } from '../heredoc.ts';
import { baseOf, errorAt, NO_FLAGS, type ParseContext, parseFlags } from './context.ts';
import { parseGoDuration } from './go-units.ts';
import { parseMount } from './mounts.ts';
import type {
  CmdInstruction,
  CommandLine,
  EntrypointInstruction,
  HealthcheckInstruction,
  NetworkMode,
  RunInstruction,
  RunMount,
  SecurityMode,
  ShellInstruction,
} from './types.ts';

const commandLine = (node: InstructionNode, args = node.args): CommandLine =>
  node.json ? { form: 'exec', argv: [...args] } : { form: 'shell', script: args.join(' ') };

const NETWORK_MODES: readonly NetworkMode[] = ['default', 'none', 'host'];
const SECURITY_MODES: readonly SecurityMode[] = ['sandbox', 'insecure'];

export function parseRun(ctx: ParseContext, node: InstructionNode): RunInstruction {
  const flags = parseFlags(ctx, node, { mount: 'strings', network: 'string', security: 'string' });
  if (node.args.length === 0) throw errorAt(ctx, node, 'RUN requires at least one argument');
  const mountSpecs = flags.strings('mount');
  const mounts: RunMount[] = mountSpecs.map((spec) => {
    try {
      return parseMount(spec);
    } catch (err) {
      throw errorAt(ctx, node, `--mount=${spec}: ${(err as Error).message}`, spec);
    }
  });
  const network = flags.string('network') ?? 'default';
  if (!NETWORK_MODES.includes(network as NetworkMode)) {
    throw errorAt(ctx, node, `unsupported network mode ${JSON.stringify(network)}`, '--network');
  }
  const security = flags.string('security');
  if (security !== undefined && !SECURITY_MODES.includes(security as SecurityMode)) {
    throw errorAt(ctx, node, `unsupported security mode ${JSON.stringify(security)}`, '--security');
  }
  return {
    kind: 'RUN',
    ...baseOf(ctx, node),
    command: commandLine(node),
    mounts,
    mountSpecs,
    network: network as NetworkMode,
    security: security as SecurityMode | undefined,
    heredocs: node.heredocs.map((h) => (h.chomp ? { ...h, content: chompHeredoc(h.content) } : { ...h })),
  };
}

export function parseCmd(ctx: ParseContext, node: InstructionNode): CmdInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'CMD', ...baseOf(ctx, node), command: commandLine(node) };
}

export function parseEntrypoint(ctx: ParseContext, node: InstructionNode): EntrypointInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'ENTRYPOINT', ...baseOf(ctx, node), command: commandLine(node) };
}

export function parseShell(ctx: ParseContext, node: InstructionNode): ShellInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  if (node.args.length > 0 && !node.json)
    throw errorAt(ctx, node, 'SHELL requires the arguments to be in JSON form');
  if (node.args.length === 0) throw errorAt(ctx, node, 'SHELL requires at least one argument');
  return { kind: 'SHELL', ...baseOf(ctx, node), shell: [...node.args] };
}

const MIN_INTERVAL_NS = 1e6; // Docker's minimum healthcheck duration, 1ms

function interval(ctx: ParseContext, node: InstructionNode, name: string, value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch (err) {
    throw errorAt(ctx, node, `--${name}: ${(err as Error).message}`, `--${name}`);
  }
  if (ns === 0) return 0;
  if (ns < MIN_INTERVAL_NS)
    throw errorAt(ctx, node, `Interval "${name}" cannot be less than 1ms`, `--${name}`);
  return ns;
}

export function parseHealthcheck(ctx: ParseContext, node: InstructionNode): HealthcheckInstruction {
  const flags = parseFlags(ctx, node, {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  });
  if (node.args.length === 0) throw errorAt(ctx, node, 'HEALTHCHECK requires at least one argument');
  const type = node.args[0].toUpperCase();
  const args = node.args.slice(1);
  const base = { kind: 'HEALTHCHECK' as const, ...baseOf(ctx, node) };
  const zero = { interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (type === 'NONE') {
    if (args.length !== 0) throw errorAt(ctx, node, 'HEALTHCHECK NONE takes no arguments');
    return { ...base, test: ['NONE'], ...zero };
  }
  if (type !== 'CMD')
    throw errorAt(ctx, node, `Unknown type "${type}" in HEALTHCHECK (try CMD)`, node.args[0]);
  const cmd = commandLine(node, args);
  if (args.length === 0 || (cmd.form === 'shell' && cmd.script === '')) {
    throw errorAt(ctx, node, 'Missing command after HEALTHCHECK CMD');
  }
  let retries = 0;
  const r = flags.string('retries');
  if (r !== undefined && r !== '') {
    if (!/^[+-]?[0-9]+$/.test(r) || Math.abs(Number(r)) > 2 ** 31 - 1) {
      throw errorAt(ctx, node, `invalid value for --retries: ${JSON.stringify(r)}`, '--retries');
    }
    retries = Number(r);
    if (retries < 0) throw errorAt(ctx, node, `--retries cannot be negative (${retries})`, '--retries');
  }
  return {
    ...base,
    test: cmd.form === 'exec' ? ['CMD', ...cmd.argv] : ['CMD-SHELL', cmd.script],
    interval: interval(ctx, node, 'interval', flags.string('interval')),
    timeout: interval(ctx, node, 'timeout', flags.string('timeout')),
    startPeriod: interval(ctx, node, 'start-period', flags.string('start-period')),
    startInterval: interval(ctx, node, 'start-interval', flags.string('start-interval')),
    retries,
  };
}
