// The pure parts of the container commands: `run`/`create` options into the
// create request, and `ps` output and filters.
export { ramInBytes } from './byte-size.ts';
export {
  type ContainerStateFacts,
  containerStateString,
  containerStatusText,
  type HealthStatus,
} from './container-status.ts';
export {
  type AttachStream,
  buildCreateRequest,
  type CreatePlan,
  type HostFacts,
  type PullPolicy,
  type RunValues,
} from './create-request.ts';
export { goJson, goQuote, parseGoDuration } from './go-values.ts';
export { type MountRequest, parseMountFlag, validateMountSpec } from './mount-spec.ts';
export type { EndpointRequest } from './network-options.ts';
export { parseExpose, parsePublish } from './ports.ts';
export {
  type ContainerFilters,
  type ContainerMatcher,
  compileContainerFilters,
  type FilterableContainer,
  type FilterResolvers,
  matchContainerFilters,
  parseFiltersParam,
  psFiltersParam,
} from './ps-filters.ts';
export {
  type ContainerSummary,
  PS_HEADERS,
  PS_TABLE,
  type PsFlags,
  type PsOutput,
  type PsRenderOptions,
  type PsRow,
  psFormat,
  psQuery,
  psRow,
  renderPs,
} from './ps-format.ts';
export { type ContainerPort, displayablePorts } from './ps-ports.ts';
export { validateResources } from './resources.ts';
export { parseRestartPolicy, validateRestartPolicy } from './restart-policy.ts';
export { CREATE_OPTIONS, flagLabel, RUN_OPTIONS } from './run-options.ts';
export { validateBindSpec } from './volume-spec.ts';
