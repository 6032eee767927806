// Build contexts for tests: a fresh directory under `parent` holding the given files.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A new directory under `parent` with these files (names may have folders, made as needed). */
export function makeContext(parent: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(parent, 'ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}
