// A registry's refusal turned into a BerthError. The distribution API answers
// errors as `{"errors":[{"code","message","detail"}]}`; Docker shows each as
// `<code in lowercase words>: <message>` (`manifest unknown: manifest unknown`),
// and so does berth, after what was being done.
import { STATUS_CODES } from 'node:http';
import { BerthError, type ErrorCode } from '../util/errors.ts';
import { type HttpResponse, readText } from './http-client.ts';

export interface RegistryErrorInfo {
  status: number;
  /** The registry's error codes (`MANIFEST_UNKNOWN`, ...), if it sent any. */
  codes: string[];
  /** Docker's rendering of the errors, or the HTTP status when there were none. */
  detail: string;
}

function codeOfStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 404) return 'NotFound';
  if (status === 400 || status === 405 || status === 416) return 'InvalidArgument';
  if (status === 409) return 'Conflict';
  if (status === 429 || status >= 500) return 'Unavailable';
  return 'Internal';
}

/** What an answer without the registry's error document means (a HEAD has no body at all). */
function withoutBody(status: number, text: string): string {
  if (status === 401) return 'unauthorized: authentication required';
  if (status === 403) return 'denied: requested access to the resource is denied';
  if (status === 404) return 'not found';
  const said = text.trim() && !text.trim().startsWith('<') ? ` (${text.trim().slice(0, 200)})` : '';
  return `received unexpected HTTP status: ${`${status} ${STATUS_CODES[status] ?? ''}`.trim()}${said}`;
}

/** Read what a failed answer says (the body is consumed). */
export async function readRegistryError(res: HttpResponse): Promise<RegistryErrorInfo> {
  const text = await readText(res, 64 << 10).catch(() => '');
  const codes: string[] = [];
  const parts: string[] = [];
  try {
    const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown; detail?: unknown }[] };
    for (const e of doc.errors ?? []) {
      const code = typeof e.code === 'string' ? e.code : 'UNKNOWN';
      codes.push(code);
      const words = code.toLowerCase().replaceAll('_', ' ');
      const message = typeof e.message === 'string' ? e.message : '';
      parts.push(message ? `${words}: ${message}` : words);
    }
  } catch {}
  return {
    status: res.status,
    codes,
    detail: parts.length ? parts.join('; ') : withoutBody(res.status, text),
  };
}

/** A BerthError for a failed answer: `<doing>: <detail>`, its code from the status. */
export async function registryError(res: HttpResponse, doing: string): Promise<BerthError> {
  const info = await readRegistryError(res);
  return errorOf(info, `${doing}: ${info.detail}`);
}

export function errorOf(info: RegistryErrorInfo, message: string): BerthError {
  const err = new BerthError(codeOfStatus(info.status), message);
  return Object.assign(err, { registry: info });
}

/** The registry's answer behind an error made here, if any. */
export const registryInfoOf = (err: unknown): RegistryErrorInfo | undefined =>
  (err as { registry?: RegistryErrorInfo } | null)?.registry;
