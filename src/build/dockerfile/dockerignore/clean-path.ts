// Lexical path cleaning as Go's path.Clean: collapse `//`, drop `.`, resolve
// `..` without touching the filesystem, no trailing slash.

export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** A context-relative path as patterns are matched against: cleaned, no leading `/`. */
export function contextRelative(p: string): string {
  const cleaned = cleanPath(p.replace(/\\/g, '/'));
  return cleaned.startsWith('/') ? cleanPath(cleaned.slice(1)) : cleaned;
}
