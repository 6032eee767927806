// "did you mean ...?" for misspelled instruction names, mount types and keys.

function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** The closest option within a small edit distance, or undefined. */
export function closest(
  value: string,
  options: readonly string[],
  caseSensitive = false,
): string | undefined {
  if (!value) return undefined;
  const v = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const option of options) {
    const d = levenshtein(v, caseSensitive ? option : option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return bestDistance > 0 && bestDistance <= 2 && bestDistance < Array.from(v).length ? best : undefined;
}

/** `message` plus " (did you mean X?)" when one option is close. */
export function withSuggestion(
  message: string,
  value: string,
  options: readonly string[],
  caseSensitive = false,
) {
  const s = closest(value, options, caseSensitive);
  return s ? `${message} (did you mean ${s}?)` : message;
}
