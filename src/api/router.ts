// Routes requests by method and path pattern. A pattern names its parameters in
// braces: `{id}` matches one path segment; `{name:REGEX}` matches the regex, so
// `/images/{name:.*}/json` takes an image name with slashes in it (the regex is
// greedy: the last `/json` ends the name), as Docker's router does.
import { invalidArgument } from '../util/errors.ts';
import type { RequestContext } from './request-context.ts';

/** A handler's return value, when not undefined and nothing was sent yet, is sent as JSON with 200. */
export type RouteHandler = (ctx: RequestContext) => unknown;

export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: Record<string, string>;
  readonly pattern: string;
}

interface Route {
  readonly methods: readonly string[];
  readonly pattern: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compilePattern(pattern: string): { regex: RegExp; names: string[] } {
  if (!pattern.startsWith('/')) throw invalidArgument(`route pattern "${pattern}" must start with "/"`);
  const names: string[] = [];
  let source = '';
  let rest = pattern;
  while (rest.length) {
    const open = rest.indexOf('{');
    if (open < 0) {
      source += escapeRegex(rest);
      break;
    }
    const close = rest.indexOf('}', open);
    if (close < 0) throw invalidArgument(`route pattern "${pattern}" has an unclosed "{"`);
    source += escapeRegex(rest.slice(0, open));
    const param = rest.slice(open + 1, close);
    const colon = param.indexOf(':');
    const name = colon < 0 ? param : param.slice(0, colon);
    if (!/^\w+$/.test(name))
      throw invalidArgument(`route pattern "${pattern}" has a bad parameter name "${name}"`);
    names.push(name);
    source += colon < 0 ? '([^/]+)' : `(${param.slice(colon + 1)})`;
    rest = rest.slice(close + 1);
  }
  return { regex: new RegExp(`^${source}$`), names };
}

export class Router {
  readonly #routes: Route[] = [];

  add(method: string | readonly string[], pattern: string, handler: RouteHandler): this {
    const methods = (typeof method === 'string' ? [method] : method).map((m) => m.toUpperCase());
    this.#routes.push({ methods, pattern, handler, ...compilePattern(pattern) });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }
  head(pattern: string, handler: RouteHandler): this {
    return this.add('HEAD', pattern, handler);
  }
  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler);
  }
  put(pattern: string, handler: RouteHandler): this {
    return this.add('PUT', pattern, handler);
  }
  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  /**
   * The first route, in registration order, whose method and pattern match the raw
   * (still percent-encoded) path. Parameters come back decoded. Like Docker, a path
   * that matches only with another method is not found.
   */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const m = method.toUpperCase();
    for (const route of this.#routes) {
      if (!route.methods.includes(m)) continue;
      const found = route.regex.exec(rawPath);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeParam(found[i + 1] ?? '', name);
      });
      return { handler: route.handler, params, pattern: route.pattern };
    }
    return undefined;
  }
}

function decodeParam(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidArgument(`path parameter ${name} is not valid percent-encoding: "${raw}"`);
  }
}
