export * from './berth-runtime.ts';
export { type Bundle, readBundle } from './bundle.ts';
export { type ExecPlanInput, execPlan } from './exec-plan.ts';
export { features } from './features.ts';
export { runHooks } from './hooks.ts';
export * from './runtime.ts';
export { parseSignal } from './signals.ts';
