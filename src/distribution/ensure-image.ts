// The image a run, create or build names, pulled or not by Docker's
// `--pull` policies: `missing` pulls only when no local image answers to the
// name, `always` pulls every time (an image already up to date costs one
// manifest request), `never` uses what is here or fails as Docker does.
import type { ImageRecord, ImageStore } from '../image/image-store.ts';
import { isBerthError } from '../util/errors.ts';
import type { DistributionService } from './distribution-service.ts';
import { type PullRequest, pullImage } from './pull.ts';

export type PullPolicy = 'missing' | 'always' | 'never';

export type EnsureOptions = Omit<PullRequest, 'reference' | 'allTags'>;

export async function ensureImage(
  service: DistributionService,
  store: ImageStore,
  reference: string,
  policy: PullPolicy,
  opts: EnsureOptions = {},
): Promise<ImageRecord> {
  if (policy !== 'always') {
    try {
      return store.resolve(reference);
    } catch (err) {
      if (policy === 'never' || !isBerthError(err, 'NotFound')) throw err;
    }
  }
  const [pulled] = await pullImage(service, store, { ...opts, reference });
  return pulled.image;
}
