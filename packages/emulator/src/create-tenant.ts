import { Hono } from 'hono';
import type { EmulatorConfig } from './config/config.js';
import { resolveConfig } from './config/validate.js';
import { Control } from './control/log-and-faults.js';
import { createApiRoutes } from './api/routes.js';
import { SESSION_COOKIE, createAuthorizeRoutes } from './oauth/authorize.js';
import { authorizeKey, rateLimit } from './http/rate-limit.js';
import { createQlikEmbedRoutes } from './qlik-embed/routes.js';
import { createControlRoutes, createControls, type TenantControls } from './control/controls.js';
import type { Ctx, Env, Shared, TenantOptions } from './context.js';
import {
  LOOPBACK_HOSTNAME,
  logAndFaults,
  servedHostsOnly,
  notFound,
  onError,
  responseHeaders,
} from './http/middleware.js';
import { Tenant } from './state/tenant.js';
import { createTokenRoutes } from './oauth/token-endpoint.js';
import { createWellKnownRoutes } from './oauth/well-known.js';

/**
 * An emulated Qlik Cloud tenant as a WHATWG fetch handler: `fetch(request)` answers every HTTP
 * path of the tenant (OAuth, APIs, the `/__emulator/` control API) with no socket and no port,
 * and the control methods inspect and bend its state directly.
 */
export interface EmulatedTenant extends TenantControls {
  /**
   * Answers one request as the tenant would. Takes what `fetch` takes, so it can be handed to a
   * client as its `fetch`; like `fetch`, it follows the tenant's API redirect (`/api/v1/users/me`
   * to `/api/v1/users/{id}`) unless the request's `redirect` is `manual` or `error`. Use a loopback URL such as `http://localhost/...`: the origin of the
   * request is the issuer the tenant reports, and any other host is refused with 421. Rejects with a `TypeError` (like `fetch` on a
   * network error) only when a `drop` or `dropAfter` fault hits the request.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

/** Whether a string is exactly a URL origin (`scheme://host[:port]`). */
function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** What the Node server needs from a tenant beyond its public face (the engine socket). */
const internals = new WeakMap<
  EmulatedTenant,
  { tenant: Tenant; control: Control; answer: (request: Request) => Promise<Response> }
>();

function internalsOf(handle: EmulatedTenant) {
  const state = internals.get(handle);
  if (!state) throw new TypeError('not a tenant made by createTenant');
  return state;
}

/** The tenant state behind a handle; for the Node server's engine socket. */
export function stateOf(handle: EmulatedTenant): Tenant {
  return internalsOf(handle).tenant;
}

/** The request log and faults behind a handle; for the Node server's engine socket. */
export function controlOf(handle: EmulatedTenant): Control {
  return internalsOf(handle).control;
}

/**
 * The tenant's answer to one request exactly as it gives it, redirects included; for the Node
 * server, which hands redirects to the HTTP client to follow.
 */
export function answerOf(handle: EmulatedTenant): (request: Request) => Promise<Response> {
  return internalsOf(handle).answer;
}

/** Redirect statuses (Fetch standard, "redirect status"). */
const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * Where `fetch` would go next after `response`: a redirect of the tenant's own APIs (the only one
 * is `/api/v1/users/me` to `/api/v1/users/{id}`) to the same origin, for a GET or HEAD whose
 * `redirect` mode is `follow`. Redirects elsewhere (an authorization response to an app's
 * redirect URI, a login page) are the caller's to see.
 */
function apiRedirectTarget(request: Request, response: Response): URL | undefined {
  if (request.redirect !== 'follow' || !REDIRECT.has(response.status)) return undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const location = response.headers.get('location');
  if (!location) return undefined;
  const target = new URL(location, request.url);
  const from = new URL(request.url);
  if (target.origin !== from.origin || !target.pathname.startsWith('/api/')) return undefined;
  return target;
}

/**
 * Creates an emulated Qlik Cloud tenant: a fetch handler plus control methods, with nothing
 * listening. `startEmulator()` serves the same handler over HTTP.
 *
 * @param config - Clients, users, apps and settings; merged over the defaults (the demo apps'
 *   clients `demo-spa`, a single-page app, and `demo-native`, a native client that gets refresh
 *   tokens; two users; three apps). Validated as Qlik Cloud's management console would (client
 *   types, token lifetimes, session timeouts): a bad value throws a `ConfigError` naming it.
 * @param options - The clock, the random source of fault probabilities, and whether the HTTP
 *   control API is served.
 *
 * @example
 * const tenant = createTenant({ autoApprove: true }, { now: () => clock });
 * const res = await tenant.fetch('http://localhost/.well-known/oauth-authorization-server');
 * tenant.expireAccessTokens('user-ada');
 */
export function createTenant(
  config?: Partial<EmulatorConfig>,
  options: TenantOptions = {},
): EmulatedTenant {
  const extraHosts = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase()));
  const servedHost = (hostname: string) =>
    LOOPBACK_HOSTNAME.test(hostname) || extraHosts.has(hostname.toLowerCase());
  const tenant = new Tenant(resolveConfig(config ?? {}), options.now ?? Date.now);
  const shared: Shared = {
    tenant,
    control: new Control(options.now ?? Date.now),
    options,
    initialConfig: config ?? {},
    issuerOf(c: Ctx) {
      // The origin the client used (always a served one: see servedHostsOnly), so `localhost` and
      // `127.0.0.1` both validate.
      const url = new URL(c.req.url);
      return servedHost(url.hostname) ? url.origin : 'http://localhost';
    },
    allowedOrigin: (origin) => origin !== undefined && tenant.allowedOrigin(origin),
  };
  const controls = createControls(shared);

  const app = new Hono<Env>();
  app.onError(onError);
  app.notFound(notFound);
  app.use(
    '*',
    responseHeaders((c) => {
      // The authorization endpoint and its login page may be framed by the clients' origins
      // only when the tenant allows it: Qlik Cloud lets an administrator add origins with the
      // frame-ancestors directive ("Managing Content Security Policy",
      // https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/mc-administer-content-security-policy.htm).
      // Whether Qlik applies such entries to /oauth/authorize is not documented.
      if (!tenant.config.allowFraming) return undefined;
      const path = new URL(c.req.url).pathname;
      if (path !== '/oauth/authorize' && !path.startsWith('/oauth/authorize/')) return undefined;
      const origins = new Set(
        tenant.config.clients
          .flatMap((client) => client.allowedOrigins ?? [])
          // Only real origins reach the header: nothing in a config can add a directive.
          .filter(isOrigin),
      );
      return origins.size ? [...origins] : undefined;
    }),
  );
  app.use('*', servedHostsOnly(servedHost));
  app.use('*', logAndFaults(shared));
  app.route('/.well-known', createWellKnownRoutes(shared));
  // Tier 1 in Qlik's OAuth OpenAPI (`x-qlik-tier`): the authorization endpoint and its login page.
  const tier1 = rateLimit(shared, 1, authorizeKey(shared, SESSION_COOKIE));
  // Hono's `/oauth/authorize/*` matches `/oauth/authorize` itself too: one count per request.
  app.use('/oauth/authorize/*', tier1);
  app.route('/oauth/authorize', createAuthorizeRoutes(shared));
  app.route('/oauth', createTokenRoutes(shared));
  app.route('/api/v1', createApiRoutes(shared));
  app.route('/', createQlikEmbedRoutes(shared));
  if (options.controls !== false)
    app.route('/__emulator', createControlRoutes(controls, shared.allowedOrigin));
  app.get('/', (c) =>
    c.html(`<!doctype html><meta charset="utf-8"><title>Qlik Cloud emulator</title>
<h1>Qlik Cloud emulator</h1><p>OAuth metadata: <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a></p>`),
  );

  const answer = async (request: Request) => app.fetch(request);
  const handle: EmulatedTenant = {
    ...controls,
    async fetch(input, init) {
      let request = input instanceof Request && !init ? input : new Request(input, init);
      let response = await answer(request);
      // Followed as fetch follows a same-origin redirect (its headers, Authorization included,
      // go along), so a client handed this function as its fetch reads /users/me as it would
      // over HTTP. At most 20 hops, as fetch.
      for (let hops = 0; hops < 20; hops += 1) {
        const target = apiRedirectTarget(request, response);
        if (!target) break;
        request = new Request(target, { method: request.method, headers: request.headers });
        response = await answer(request);
      }
      return response;
    },
  };
  internals.set(handle, { tenant, control: shared.control, answer });
  return handle;
}
