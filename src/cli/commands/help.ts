// `berth help [COMMAND]`: the same text as `--help`. The rendering is done by main,
// which knows every command; this command only names what to describe.
import { defineCommand } from '../command.ts';

/** Thrown by `help` to ask main for the help of a command (or of berth when empty). */
export class HelpRequest {
  readonly words: readonly string[];
  constructor(words: readonly string[]) {
    this.words = words;
  }
}

export const helpCommand = defineCommand({
  name: 'help',
  summary: 'Show help for berth or for a command',
  usage: '[COMMAND]',
  run(ctx) {
    throw new HelpRequest(ctx.args);
  },
});
