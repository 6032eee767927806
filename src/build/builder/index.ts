// The Dockerfile builder: a parsed Dockerfile and an extracted context to an image.

export { checkBuildPlatform } from './build-platform.ts';
export {
  BuildSecrets,
  decodeSecretUploads,
  MAX_SECRET_BYTES,
  SECRETS_HEADER,
  SecretSessions,
  type SecretUpload,
} from './build-secrets.ts';
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
export type { BuildNetwork, BuildSandbox, RunEnvironment } from './run-step.ts';
export { CACHE_MOUNTS_DIR, clearBuildScratch } from './scratch.ts';
