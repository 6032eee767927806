// The registry client as the daemon holds it: the registry settings, one HTTP
// client with its kept-alive connections, what registries asked for and the
// tokens they gave, and the daemon-wide limits on parallel transfers. Pull,
// push and login (pull.ts, push.ts, login.ts) take it as their first argument.
import { AuthState } from './authorizer.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import { HttpClient } from './http-client.ts';
import { Limiter } from './limiter.ts';
import { Registries } from './registries.ts';
import { defaultRegistryConfig, loadRegistryConfig, type RegistryConfig } from './registry-config.ts';

export interface DistributionOptions {
  /** The settings; when absent they are read for `root` (see registry-config.ts). */
  config?: RegistryConfig;
  root?: string;
  retry?: Partial<RetryPolicy>;
  /** Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks (default 16 MiB). */
  monolithicMax?: number;
  /** The size of one PATCH of a chunked upload (default 16 MiB). */
  chunkSize?: number;
  idleTimeoutMs?: number;
  /** Told about each retry, for the daemon's log. */
  onRetry?(info: { url: URL; attempt: number; delayMs: number; reason: string }): void;
}

export const DEFAULT_CHUNK = 16 << 20;

export class DistributionService {
  readonly http: HttpClient;
  readonly auth = new AuthState();
  readonly registries: Registries;
  readonly downloads: Limiter;
  readonly uploads: Limiter;
  readonly retry: RetryPolicy;
  readonly monolithicMax: number;
  readonly chunkSize: number;

  private constructor(
    readonly config: RegistryConfig,
    opts: DistributionOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.http = new HttpClient({
      retry: this.retry,
      idleTimeoutMs: opts.idleTimeoutMs,
      onRetry: opts.onRetry,
    });
    this.registries = new Registries(config, this.http, this.auth);
    this.downloads = new Limiter(config.maxConcurrentDownloads);
    this.uploads = new Limiter(config.maxConcurrentUploads);
    this.monolithicMax = opts.monolithicMax ?? DEFAULT_CHUNK;
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  }

  static async create(opts: DistributionOptions = {}): Promise<DistributionService> {
    const config = opts.config ?? (opts.root ? await loadRegistryConfig(opts.root) : defaultRegistryConfig());
    return new DistributionService(config, opts);
  }

  /** Drop kept-alive connections. */
  close(): void {
    this.http.close();
  }
}
