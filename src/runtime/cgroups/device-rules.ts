// Device cgroup rules as the v1 devices controller reads them: `c 1:3 rwm`, `a *:* rwm`.
import { invalidArgument } from '../../util/errors.ts';
import type { DeviceCgroupRule } from '../spec/types.ts';

const num = (n: number | undefined) => (n === undefined || n < 0 ? '*' : String(n));

export function deviceRuleLine(rule: DeviceCgroupRule, where: string): string {
  const type = rule.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type))
    throw invalidArgument(`${where}.type: device rule type "${type}" is not a, b or c`);
  const access = rule.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access) || new Set(access).size !== access.length) {
    throw invalidArgument(`${where}.access: "${access}" is not made of r, w and m`);
  }
  return `${type} ${num(rule.major)}:${num(rule.minor)} ${access}`;
}

/** A rule about every device (type a, or no numbers): it resets the controller's default. */
export function isWholeRule(rule: DeviceCgroupRule): boolean {
  return (rule.type ?? 'a') === 'a';
}
