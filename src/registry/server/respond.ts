// Writing responses: the headers every /v2/ answer carries, JSON bodies, and errors in the
// OCI distribution spec's form, {"errors":[{"code","message","detail"}]}. A BerthError that
// is not a RegistryError (a disk failure) is answered 500 without its text going to the client.
import type { ServerResponse } from 'node:http';
import { asBerthError } from '../../util/errors.ts';
import { isRegistryError, type OciErrorCode } from '../registry-error.ts';

export const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
export const API_VERSION = 'registry/2.0';

export interface OciErrorBody {
  errors: { code: string; message: string; detail?: unknown }[];
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}

/** An empty answer with headers (Content-Length 0). */
export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function sendOciError(
  res: ServerResponse,
  status: number,
  code: OciErrorCode | string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {},
): void {
  const error: OciErrorBody['errors'][number] = { code, message };
  if (detail !== undefined) error.detail = detail;
  sendJson(res, status, { errors: [error] }, headers);
}

/**
 * Answer with whatever was thrown. Returns the message to log for an internal failure,
 * which the client does not see.
 */
export function sendThrown(res: ServerResponse, err: unknown): string | undefined {
  if (res.headersSent) {
    res.destroy();
    return asBerthError(err).message;
  }
  if (isRegistryError(err)) {
    sendOciError(res, err.status, err.ociCode, err.message, err.detail);
    return undefined;
  }
  const e = asBerthError(err);
  if (e.code === 'Unavailable') {
    sendOciError(res, 503, 'UNAVAILABLE', 'the registry cannot serve this request now; try again later');
  } else {
    sendOciError(res, 500, 'UNKNOWN', 'internal error of the registry; see its log');
  }
  return e.message;
}
