// Every route module the daemon serves, registered in this order. Add a file per
// area (images.ts, containers.ts) and list it here.
import type { RouteModule } from '../daemon-context.ts';
import { buildRoutes } from './build.ts';
import { containerAdminRoutes } from './container-admin.ts';
import { containerExecRoutes } from './container-exec.ts';
import { containerFileRoutes } from './container-files.ts';
import { containerStatsRoutes } from './container-stats.ts';
import { containerRoutes } from './containers.ts';
import { distributionRoutes } from './distribution.ts';
import { imageRoutes } from './images.ts';
import { networkRoutes } from './networks.ts';
import { systemRoutes } from './system.ts';
import { systemDfRoutes } from './system-df.ts';
import { volumeRoutes } from './volumes.ts';

export const ROUTE_MODULES: readonly RouteModule[] = [
  systemRoutes,
  systemDfRoutes,
  // before imageRoutes: it takes POST /images/create with fromImage (pull) and passes imports on
  distributionRoutes,
  imageRoutes,
  containerRoutes,
  containerAdminRoutes,
  containerExecRoutes,
  containerStatsRoutes,
  containerFileRoutes,
  volumeRoutes,
  networkRoutes,
  buildRoutes,
];
