// `berth logout [SERVER]`: forget a registry's credentials wherever the docker
// CLI would have kept them (its credential helper and config.json). Nothing
// is asked of the daemon.
import { eraseCredentials } from '../../distribution/credential-store.ts';
import { credentialKeyOf } from '../../distribution/server-address.ts';
import { defineCommand } from '../command.ts';

export const logoutCommand = defineCommand({
  name: 'logout',
  summary: 'Log out from a registry',
  usage: '[SERVER]',
  common: true,
  args: { max: 1 },
  async run(ctx) {
    const key = credentialKeyOf(ctx.args[0]);
    ctx.stdout.write(`Removing login credentials for ${key}\n`);
    if (!(await eraseCredentials(key, ctx.env))) ctx.stdout.write(`Not logged in to ${key}\n`);
    return 0;
  },
});
