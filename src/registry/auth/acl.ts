// Who gets what from the token service. A user is granted, for each scope asked,
// the asked actions that some matching ACL entry allows (the union of entries; there
// are no deny rules, so order does not matter). Anonymous requests match nothing:
// they get a valid token that opens nothing, as distribution's token servers do.
import { BerthError } from '../../util/errors.ts';
import { allows, type ResourceScope } from './scope.ts';
import type { AclEntry } from './types.ts';

/** With no ACL configured: any authenticated user may do anything, catalog included. */
export const DEFAULT_ACL: readonly AclEntry[] = [
  { account: '*', type: 'repository', name: '*', actions: ['*'] },
  { account: '*', type: 'registry', name: 'catalog', actions: ['*'] },
];

const ACTIONS = new Set(['pull', 'push', 'delete', '*']);

/** The granted part of `requested`; resources of unknown types and unmatched actions are left out. */
export function grantAccess(
  user: string | undefined,
  requested: readonly ResourceScope[],
  acl: readonly AclEntry[],
): ResourceScope[] {
  if (user === undefined || user === '') return [];
  const granted: ResourceScope[] = [];
  for (const want of requested) {
    if (want.type !== 'repository' && want.type !== 'registry') continue;
    const allowed = acl
      .filter(
        (e) =>
          accountMatches(e, user) &&
          (e.type ?? 'repository') === want.type &&
          nameMatches(e, user, want.name),
      )
      .flatMap((e) => e.actions);
    const actions = want.actions.filter((a) => allows(allowed, a));
    if (actions.length > 0) granted.push({ ...want, actions });
  }
  return granted;
}

function accountMatches(entry: AclEntry, user: string): boolean {
  return entry.account === undefined || entry.account === '*' || entry.account === user;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: the ACL's own placeholder, not a JS template
const ACCOUNT = '${account}';

function nameMatches(entry: AclEntry, user: string, name: string): boolean {
  if (entry.name === undefined) return true;
  const pattern = entry.name
    .split(ACCOUNT)
    .map((part) => part.split('*').map(escapeRegExp).join('.*'))
    .join(escapeRegExp(user));
  return new RegExp(`^${pattern}$`).test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The ACL from a config value; errors name `configKey` and the entry. */
export function validateAcl(value: unknown, configKey: string): AclEntry[] {
  if (!Array.isArray(value))
    throw new BerthError('InvalidArgument', `${configKey}: must be a list of entries`);
  return value.map((raw, i) => {
    const at = `${configKey}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new BerthError('InvalidArgument', `${at}: must be a map with account, type, name and actions`);
    }
    const e = raw as Record<string, unknown>;
    for (const field of Object.keys(e)) {
      if (!['account', 'type', 'name', 'actions'].includes(field)) {
        throw new BerthError(
          'InvalidArgument',
          `${at}.${field}: unknown field (known: account, type, name, actions)`,
        );
      }
    }
    const entry: AclEntry = { actions: [] };
    if (e.account !== undefined) {
      if (typeof e.account !== 'string' || e.account === '') {
        throw new BerthError('InvalidArgument', `${at}.account: must be a user name or "*"`);
      }
      entry.account = e.account;
    }
    if (e.type !== undefined) {
      if (e.type !== 'repository' && e.type !== 'registry') {
        throw new BerthError('InvalidArgument', `${at}.type: must be "repository" or "registry"`);
      }
      entry.type = e.type;
    }
    if (e.name !== undefined) {
      if (typeof e.name !== 'string' || e.name === '') {
        throw new BerthError('InvalidArgument', `${at}.name: must be a name pattern such as "alice/*"`);
      }
      entry.name = e.name;
    }
    const actions = typeof e.actions === 'string' ? e.actions.split(',').map((a) => a.trim()) : e.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => ACTIONS.has(a))) {
      throw new BerthError('InvalidArgument', `${at}.actions: must list some of pull, push, delete, "*"`);
    }
    entry.actions = actions;
    return entry;
  });
}
