// Signal names and numbers as runc's `kill` takes them: KILL, SIGKILL, sigkill or 9.
import os from 'node:os';
import { invalidArgument } from '../../util/errors.ts';

const SIGNALS = os.constants.signals as Record<string, number>;

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 0 && n <= 64) return n;
    throw invalidArgument(`unknown signal "${text}"`);
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = SIGNALS[name];
  if (n === undefined) throw invalidArgument(`unknown signal "${text}"`);
  return n;
}
