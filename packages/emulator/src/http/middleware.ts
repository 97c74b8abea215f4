import type { ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { ConfigError } from '../config/validate.js';
import type { Ctx, Env, Shared } from '../context.js';
import { HttpError, apiError, oauthError } from './errors.js';
import { rateLimitError } from './rate-limit.js';
import { MAX_BODY_BYTES } from './request.js';

/**
 * The rejection of `tenant.fetch` for a `drop` or `dropAfter` fault: a network error, as `fetch`
 * reports a connection closed without a response. The Node server destroys the socket instead.
 */
export class ConnectionDropped extends TypeError {
  override name = 'ConnectionDropped';
  constructor() {
    super('the emulated tenant dropped the connection (an injected fault)');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The response for an error a route threw, in the Qlik `{ errors: [...] }` shape. */
export function errorResponse(c: Ctx, error: HttpError): Response {
  const entry = c.get('entry');
  if (entry) entry.error = error.entry.code;
  return c.json(error.body, error.status as 400);
}

/** Turns what a route threw into the errors body; only an injected drop escapes as a rejection. */
export const onError: ErrorHandler<Env> = (error, c) => {
  if (error instanceof ConnectionDropped) throw error;
  let known: HttpError;
  if (error instanceof HttpError) known = error;
  else if (error instanceof ConfigError) {
    known = apiError(400, 'EMULATOR-3', 'Invalid config', error.message);
  } else {
    console.error('[emulator] unexpected error:', error.message);
    known = apiError(500, 'HTTP-500', 'Internal server error');
  }
  return errorResponse(c, known);
};

/** Every path the tenant does not serve. */
export const notFound: NotFoundHandler<Env> = (c) =>
  errorResponse(
    c,
    apiError(404, 'HTTP-404', 'Not found', `nothing at ${new URL(c.req.url).pathname}`),
  );

/**
 * Response headers of every answer: the framework's secure headers, configured for a tenant whose
 * pages (login, consent) run no script and whose thumbnails load in other origins' `<img>`, and
 * `no-store` unless a route chose its own caching (RFC 6749 section 5.1).
 *
 * No page may frame the tenant (`X-Frame-Options: DENY`, `frame-ancestors 'none'`), so the login
 * page cannot be overlaid by another site (clickjacking), except where `framers(c)` names the
 * origins that may: then `frame-ancestors` lists them and `X-Frame-Options` (which cannot name
 * an origin) is left out.
 */
export function responseHeaders(
  framers: (c: Ctx) => string[] | undefined = () => undefined,
): MiddlewareHandler<Env> {
  const secure = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      frameAncestors: [(c) => framers(c as Ctx)?.join(' ') ?? "'none'"],
    },
    xFrameOptions: 'DENY',
    // Thumbnails are loaded by other origins' <img>: same-origin would block them.
    crossOriginResourcePolicy: 'cross-origin',
    // The login page runs in a popup for signInWithPopup; COOP would cut it from its opener.
    crossOriginOpenerPolicy: false,
    // A loopback development server must not pin HTTPS for localhost in the developer's browser.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    const framable = framers(c) !== undefined;
    await secure(c, next);
    if (framable) c.res.headers.delete('x-frame-options');
    if (!c.res.headers.has('cache-control')) {
      c.res.headers.set('cache-control', 'no-store');
      c.res.headers.set('pragma', 'no-cache');
    }
  };
}

/** Host names the tenant answers to: loopback only. */
export const LOOPBACK_HOSTNAME = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** The host name of a `Host` header value (name and optional port), lower case. */
export function hostnameOf(host: string | undefined): string | undefined {
  return host ? /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host)?.[1]?.toLowerCase() : undefined;
}

/**
 * Refuses (421 Misdirected Request) every request for a host that is neither a loopback name nor
 * one the tenant was told to serve, so a page whose own domain is made to resolve to 127.0.0.1
 * (DNS rebinding) gets nothing from it.
 */
export function servedHostsOnly(served: (hostname: string) => boolean): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!served(new URL(c.req.url).hostname)) return misdirected();
    await next();
    return undefined;
  };
}

/** The 421 answer to a request for a host that is not a loopback name. */
export function misdirected(): Response {
  const error = apiError(
    421,
    'HTTP-421',
    'Misdirected request',
    'the emulator serves loopback host names only',
  );
  return new Response(JSON.stringify(error.body), {
    status: 421,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** How much of an oversized body is read (and thrown away) so its sender still gets the 400. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Bodies over 64 KiB are refused with the OAuth 400 before a route reads them. Unlike Hono's
 * `bodyLimit`, the rest of an oversized body is still read to its end (up to 64 MiB) and thrown
 * away: a client still uploading when the answer comes would otherwise see its connection reset
 * instead of the 400, as happens when the server stops reading.
 */
export const readLimit: MiddlewareHandler<Env> = async (c, next) => {
  const body = c.req.raw.body;
  if (!body) return next();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size <= MAX_BODY_BYTES) chunks.push(value);
    else if (size > MAX_DRAINED_BYTES) {
      await reader.cancel();
      break;
    }
  }
  if (size > MAX_BODY_BYTES) {
    throw oauthError(400, 'invalid_request', 'request body is larger than 64 KiB');
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  // A new Request from its parts: the Node adapter's request object is not a real Request.
  c.req.raw = new Request(c.req.url, {
    method: c.req.method,
    headers: c.req.raw.headers,
    body: whole,
  });
  await next();
  return undefined;
};

/**
 * `Retry-After` is not a CORS-safelisted response header: a page reads it cross-origin only when
 * the answer lists it in `Access-Control-Expose-Headers`. Whether Qlik Cloud lists it is not
 * documented (qlik.dev "Rate limiting", https://qlik.dev/apis/rest/rate-limiting, says only that
 * a 429 carries it), so it is the tenant setting `exposeRetryAfter`, off by default.
 */
const EXPOSED = 'Retry-After';

/** The CORS headers of a response to a registered client's origin (for fault responses). */
function corsHeadersFor(shared: Shared, c: Ctx): Record<string, string> {
  const origin = c.req.header('origin');
  return origin && shared.allowedOrigin(origin)
    ? {
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        ...(shared.tenant.config.exposeRetryAfter
          ? { 'access-control-expose-headers': EXPOSED }
          : {}),
        vary: 'Origin',
      }
    : {};
}

/**
 * CORS for the token, revoke and API paths: only the registered clients' origins get CORS
 * headers; a preflight from any other origin is refused with 403. Allowed origins get
 * credentialed CORS (Qlik's own clients send `credentials: 'include'`) and every header their
 * preflight asks for (such as `qlik-api-version`), as Qlik Cloud answers them.
 */
export function clientCors(shared: Shared, methods: string[]): MiddlewareHandler<Env> {
  // Hono's cors echoes Access-Control-Request-Headers when allowHeaders is left empty.
  const allowed = cors({
    origin: (origin) => origin,
    allowMethods: methods,
    credentials: true,
    maxAge: 600,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin && shared.allowedOrigin(origin)) {
      // A preflight is answered by the CORS middleware itself, with its own response.
      const preflight = await allowed(c, next);
      if (preflight) return preflight;
      if (shared.tenant.config.exposeRetryAfter) {
        c.res.headers.set('access-control-expose-headers', EXPOSED);
      }
      return undefined;
    }
    if (c.req.method === 'OPTIONS') {
      throw apiError(403, 'HTTP-403', 'Forbidden', 'origin is not allowed');
    }
    await next();
    return undefined;
  };
}

/** Statuses whose responses carry no body (Fetch standard, "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The answer of a status fault. A string body is sent as plain text as it is; anything else as
 * JSON.
 */
function faultResponse(
  c: Ctx,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): Response {
  if (NULL_BODY.has(status)) return c.body(null, status as 204, headers);
  // Text, never HTML: a fault body must not become a page that runs on the tenant's origin.
  if (typeof body === 'string') {
    return c.body(body, status as 400, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
  }
  return c.json(body as object, status as 400, headers);
}

/**
 * Records each request (but the control API's) in the request log, and applies the first fault
 * that matches it: a delay, an injected status, a connection dropped before the request is
 * processed, or one dropped after it was processed, in place of its answer.
 */
export function logAndFaults(shared: Shared): MiddlewareHandler<Env> {
  const { control } = shared;
  const random = shared.options.random ?? Math.random;
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (path.startsWith('/__emulator/')) return next();
    const started = performance.now();
    const entry = control.record(c.req.method, path, c.req.header('origin'));
    c.set('entry', entry);
    const finish = (status?: number) => {
      if (status !== undefined) entry.status = status;
      entry.durationMs = Math.round(performance.now() - started);
    };
    const fault = control.match(c.req.method, path, random);
    if (fault) {
      entry.fault = fault.drop
        ? 'drop'
        : fault.dropAfter
          ? 'dropAfter'
          : fault.status !== undefined
            ? 'status'
            : 'delay';
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.drop) {
        finish();
        throw new ConnectionDropped();
      }
      if (fault.status !== undefined) {
        const { retryAfter } = fault;
        const body =
          fault.body ??
          (fault.status === 429 && retryAfter !== undefined
            ? rateLimitError(retryAfter).body
            : {
                errors: [
                  {
                    code: `HTTP-${fault.status}`,
                    title: 'Injected fault',
                    status: String(fault.status),
                  },
                ],
              });
        if (retryAfter !== undefined) entry.retryAfter = retryAfter;
        finish(fault.status);
        return faultResponse(c, fault.status, body, {
          ...corsHeadersFor(shared, c),
          ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
        });
      }
    }
    await next();
    finish(c.res.status);
    // The tenant has done what was asked (rotated, revoked, ...); the client never hears of it.
    if (fault?.dropAfter) throw new ConnectionDropped();
    return undefined;
  };
}
