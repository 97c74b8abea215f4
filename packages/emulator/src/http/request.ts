import { apiError, oauthError } from './errors.js';
import { decodeBase64 } from '../encoding.js';
import type { Ctx } from '../context.js';

/** The largest request body the tenant reads (the `bodyLimit` of every POST route). */
export const MAX_BODY_BYTES = 64 * 1024;

export type Params = Record<string, unknown>;

/** The media type of a request, lower case, without parameters. */
export function mediaType(c: Ctx): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Parses a JSON or form-encoded body into one flat record, as the OpenAPI allows both.
 * Form keys such as `user_lookup[field]` become nested objects; a repeated key is refused.
 */
export async function readParams(c: Ctx): Promise<Params> {
  const type = mediaType(c);
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = await c.req.json();
    } catch {
      throw oauthError(400, 'invalid_request', 'request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw oauthError(400, 'invalid_request', 'request body must be a JSON object');
    }
    return parsed as Params;
  }
  if (type === 'application/x-www-form-urlencoded') {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody({ all: true });
    } catch {
      throw oauthError(400, 'invalid_request', 'request body is not a valid form');
    }
    // No prototype: keys such as __proto__[x] or toString must stay plain data.
    const params: Params = Object.create(null);
    for (const [key, value] of Object.entries(form)) {
      if (Array.isArray(value)) {
        throw oauthError(
          400,
          'invalid_request',
          `parameter ${key.replace(/\[\]$/, '')} is repeated`,
        );
      }
      const nested = /^([^[\].]+)(?:\[([^\]]+)\]|\.(.+))$/.exec(key);
      if (nested) {
        const target = (params[nested[1]!] ??= Object.create(null));
        if (typeof target === 'object' && target !== null) {
          (target as Record<string, unknown>)[(nested[2] ?? nested[3])!] = value;
        }
      } else {
        params[key] = value;
      }
    }
    return params;
  }
  throw oauthError(
    400,
    'invalid_request',
    'content type must be application/json or application/x-www-form-urlencoded',
  );
}

/** A string parameter, or undefined when absent; anything but a string is a 400. */
export function stringParam(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw oauthError(400, 'invalid_request', `${name} must be a string`);
  }
  return value;
}

/** A required string parameter. */
export function requireParam(params: Params, name: string): string {
  const value = stringParam(params, name);
  if (value === undefined) throw oauthError(400, 'invalid_request', `${name} is required`);
  return value;
}

/** `decodeURIComponent` that answers undefined for a malformed escape instead of throwing. */
export function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The bearer token of an `Authorization` header, if any. */
export function bearer(c: Ctx): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  return match?.[1];
}

/** Client credentials from HTTP Basic authentication (RFC 6749 section 2.3.1). */
export function basicCredentials(c: Ctx): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match) return undefined;
  const decoded = decodeBase64(match[1]!);
  const colon = decoded?.indexOf(':') ?? -1;
  if (decoded === undefined || colon < 0) {
    throw oauthError(401, 'invalid_client', 'malformed Basic credentials');
  }
  // RFC 6749 section 2.3.1: both parts are form-urlencoded before they are joined.
  const clientId = safeDecode(decoded.slice(0, colon));
  const clientSecret = safeDecode(decoded.slice(colon + 1));
  if (clientId === undefined || clientSecret === undefined) {
    throw oauthError(401, 'invalid_client', 'malformed Basic credentials');
  }
  return { clientId, clientSecret };
}

/** Refuses a method the route does not serve. */
export function methodNotAllowed(allowed: string): never {
  throw apiError(405, 'HTTP-405', 'Method not allowed', `use ${allowed}`);
}
