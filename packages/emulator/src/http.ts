import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError, oauthError } from './errors.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the whole request body as text, refusing bodies over 64 KiB. An oversized body is still
 * read to its end (and thrown away), so the client gets the 400 instead of a reset connection.
 */
export function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(oauthError(400, 'invalid_request', 'request body is larger than 64 KiB'));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

export type Params = Record<string, unknown>;

/**
 * Parses a JSON or form-encoded body into one flat record, as the OpenAPI allows both.
 * Form keys such as `user_lookup[field]` become nested objects.
 */
export async function readParams(req: IncomingMessage): Promise<Params> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readText(req);
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw oauthError(400, 'invalid_request', 'request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw oauthError(400, 'invalid_request', 'request body must be a JSON object');
    }
    return parsed as Params;
  }
  if (type === 'application/x-www-form-urlencoded') {
    // No prototype: keys such as __proto__[x] or toString must stay plain data.
    const params: Params = Object.create(null);
    for (const [key, value] of new URLSearchParams(text)) {
      const nested = /^([^[\].]+)(?:\[([^\]]+)\]|\.(.+))$/.exec(key);
      if (nested) {
        const outer = nested[1]!;
        const inner = (nested[2] ?? nested[3])!;
        const target = (params[outer] ??= Object.create(null));
        if (typeof target === 'object' && target !== null) {
          (target as Record<string, string>)[inner] = value;
        }
      } else if (!(key in params)) {
        params[key] = value;
      } else {
        throw oauthError(400, 'invalid_request', `parameter ${key} is repeated`);
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

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
};

/** Sends a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-frame-options': 'DENY',
    'content-length': Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

/** Sends a 302 redirect (the OpenAPI documents 302 for /oauth/authorize). */
export function redirect(res: ServerResponse, location: string, headers = {}): void {
  res.writeHead(302, { ...SECURITY_HEADERS, location, 'content-type': 'text/html', ...headers });
  res.end();
}

/** `decodeURIComponent` that answers undefined for a malformed escape instead of throwing. */
export function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Reads one cookie from the request. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return safeDecode(rest.join('='));
  }
  return undefined;
}

/** The bearer token of an `Authorization` header, if any. */
export function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** Client credentials from HTTP Basic authentication (RFC 6749 section 2.3.1). */
export function basicCredentials(
  req: IncomingMessage,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw oauthError(401, 'invalid_client', 'malformed Basic credentials');
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
