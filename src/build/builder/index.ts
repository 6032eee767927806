// The Dockerfile builder: a parsed Dockerfile and an extracted context to an image.
export {
  BuildError,
  type BuilderDeps,
  type BuildOptions,
  type BuildOutput,
  type BuildResult,
  buildImage,
  neededStages,
} from './builder.ts';
export { extractContext } from './context-dir.ts';
export type { RunEnvironment } from './run-step.ts';
