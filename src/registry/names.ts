// The names of the distribution spec: repository names (path components of lowercase
// alphanumerics joined by '.', '_', '__' or dashes) and tags.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** distribution's limit on a whole repository name. */
export const MAX_REPOSITORY_NAME = 255;

export const isRepositoryName = (s: string): boolean =>
  s.length <= MAX_REPOSITORY_NAME && REPOSITORY_RE.test(s);

export const isTag = (s: string): boolean => TAG_RE.test(s);
