// Reading a .dockerignore file into patterns, as moby/patternmatcher's
// ignorefile does, and where BuildKit looks for the file.
import { trimGoSpace } from '../go-text.ts';
import { cleanPath } from './clean-path.ts';

/**
 * The patterns of a .dockerignore file, in order. A line starting with `#` is
 * a comment (an indented `#` is not); lines are trimmed; `!` marks an
 * exception; patterns are cleaned and one leading `/` is dropped.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    let pattern = trimGoSpace(line);
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = trimGoSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/**
 * Where the ignore file for `dockerfilePath` (relative to the context) is
 * looked for, first match wins: `<dockerfile>.dockerignore` beside the
 * Dockerfile, then `.dockerignore` at the context root.
 */
export function ignoreFileCandidates(dockerfilePath: string): string[] {
  return [`${dockerfilePath}.dockerignore`, '.dockerignore'];
}
