// The repositories of a registry: every folder under repositories/ that holds manifests or
// blobs (layout.ts), found by walking the tree; folders named with a leading '_' are a
// repository's own and never a nested repository.
import { isNotFound } from './blob-store.ts';
import { REPOSITORIES } from './layout.ts';
import type { RegistryStorage } from './storage/driver.ts';

/** Every repository name, sorted. */
export async function listRepositories(storage: RegistryStorage): Promise<string[]> {
  const found: string[] = [];
  const walk = async (name: string): Promise<void> => {
    let children: string[];
    try {
      children = await storage.list(name ? `${REPOSITORIES}/${name}` : REPOSITORIES);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (name && (children.includes('_manifests') || children.includes('_layers'))) found.push(name);
    for (const c of children) if (!c.startsWith('_')) await walk(name ? `${name}/${c}` : c);
  };
  await walk('');
  return found.sort();
}

/** One page of a sorted list after `last`, at most `n` long; `more` when items remain. */
export function paginate(
  all: string[],
  n: number | undefined,
  last: string | undefined,
): { page: string[]; more: boolean } {
  const from = last === undefined ? all : all.filter((x) => x > last);
  if (n === undefined) return { page: from, more: false };
  return { page: from.slice(0, n), more: from.length > n };
}
