export * from './capabilities.ts';
export * from './defaults.ts';
export * from './mount-options.ts';
export * from './plan-from-spec.ts';
export * from './rlimits.ts';
export * from './types.ts';
export { parseJson, parseSpec, validateSpec } from './validate-config.ts';
export * from './validate-state.ts';
