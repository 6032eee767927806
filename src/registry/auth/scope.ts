// Scopes as the Docker token spec writes them: `type[(class)]:name:action[,action]`.
// A name may itself hold colons (`host:5000/app`), so the type ends at the first
// colon and the actions begin after the last. Several scopes travel space-separated
// in one string (the challenge's `scope` parameter, an OAuth2 form's `scope`).
import { BerthError } from '../../util/errors.ts';
import type { AccessRequest } from './types.ts';

/** One resource and the actions on it, as asked by a client or granted in a token. */
export interface ResourceScope {
  /** `repository`, `registry`, or any other word a client sends (granted nothing). */
  type: string;
  /** The resource class in parentheses, as `plugin` in `repository(plugin):…`. */
  class?: string;
  name: string;
  actions: string[];
}

const TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const ACTION = /^(?:[a-z]+|\*)$/;

/** One scope; throws InvalidArgument naming the scope when it is not of that form. */
export function parseScope(text: string): ResourceScope {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) {
    throw new BerthError('InvalidArgument', `scope "${text}" is not of the form type:name:actions`);
  }
  const type = TYPE.exec(text.slice(0, first));
  if (!type) throw new BerthError('InvalidArgument', `scope "${text}" has an unreadable resource type`);
  const name = text.slice(first + 1, last);
  if (name === '' || /\s/.test(name)) throw new BerthError('InvalidArgument', `scope "${text}" has no name`);
  const actions = uniq(text.slice(last + 1).split(','));
  if (!actions.every((a) => ACTION.test(a))) {
    throw new BerthError('InvalidArgument', `scope "${text}" has an unreadable action list`);
  }
  return type[2] === undefined
    ? { type: type[1], name, actions }
    : { type: type[1], class: type[2], name, actions };
}

/** Every scope in some strings, each of which may hold several separated by spaces. */
export function parseScopes(texts: readonly string[]): ResourceScope[] {
  return texts.flatMap((t) => t.split(' ').filter((s) => s !== '')).map(parseScope);
}

export function formatScope(scope: {
  type: string;
  class?: string;
  name: string;
  actions: readonly string[];
}): string {
  const type = scope.class === undefined ? scope.type : `${scope.type}(${scope.class})`;
  return `${type}:${scope.name}:${scope.actions.join(',')}`;
}

/** Requests on the same resource folded into one, in first-seen order, actions deduplicated. */
export function mergeAccess(access: readonly AccessRequest[]): AccessRequest[] {
  const byKey = new Map<string, AccessRequest>();
  for (const a of access) {
    const key = `${a.type}:${a.name}`;
    const seen = byKey.get(key);
    if (seen) seen.actions = uniq([...seen.actions, ...a.actions]);
    else byKey.set(key, { type: a.type, name: a.name, actions: uniq(a.actions) });
  }
  return [...byKey.values()];
}

/** Whether `action` is among `actions`; `*` stands for every action. */
export function allows(actions: readonly string[], action: string): boolean {
  return actions.includes('*') || actions.includes(action);
}

/**
 * The requested actions that `granted` does not cover, as one entry per action
 * (the shape of an insufficient-scope error's detail). Empty: all covered.
 */
export function missingAccess(
  granted: readonly ResourceScope[],
  requested: readonly AccessRequest[],
): { type: string; name: string; action: string }[] {
  const missing: { type: string; name: string; action: string }[] = [];
  for (const want of requested) {
    const held = granted
      .filter((g) => g.type === want.type && g.name === want.name)
      .flatMap((g) => g.actions);
    for (const action of want.actions) {
      if (!allows(held, action)) missing.push({ type: want.type, name: want.name, action });
    }
  }
  return missing;
}

function uniq<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
