// `--restart no|always|unless-stopped|on-failure[:N]`: the CLI's parse of the
// text, then the daemon's check of the policy (moby's wording), so a bad policy
// fails before the request is made.
import type { RestartPolicy } from '../../engine/container-config.ts';

export function parseRestartPolicy(text: string): RestartPolicy {
  // An empty value leaves the name empty, as Docker's CLI does (the daemon reads it as "no").
  if (text === '') return { Name: '', MaximumRetryCount: 0 };
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const count = colon < 0 ? '' : text.slice(colon + 1);
  if (colon >= 0 && name === '') {
    throw new Error('invalid restart policy format: no policy provided before colon');
  }
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?[0-9]+$/.test(count)) {
      throw new Error('invalid restart policy format: maximum retry count must be an integer');
    }
    max = Number.parseInt(count, 10);
  }
  validateRestartPolicy(name, max);
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: max };
}

/** The daemon's rule; for the server too. */
export function validateRestartPolicy(name: string, maximumRetryCount: number): void {
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (maximumRetryCount !== 0) {
        let msg = "invalid restart policy: maximum retry count can only be used with 'on-failure'";
        if (maximumRetryCount < 0) msg += ' and cannot be negative';
        throw new Error(msg);
      }
      return;
    case 'on-failure':
      if (maximumRetryCount < 0)
        throw new Error('invalid restart policy: maximum retry count cannot be negative');
      return;
    case '':
      return;
    default:
      throw new Error(
        `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
      );
  }
}

/** "no" and "" mean no restarts: the only policies `--rm` may come with. */
export const isNoRestart = (p: RestartPolicy): boolean => !p.Name || p.Name === 'no';
