// The options every `… prune` command has, as Docker words them: --filter (with
// an example that fits the command) and --force.

export function pruneOptions<E extends string>(filterExample: E) {
  return {
    filter: {
      type: 'string',
      multiple: true,
      valueName: 'filter',
      help: `Provide filter values (e.g. '${filterExample}')`,
    },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
  } as const;
}
