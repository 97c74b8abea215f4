import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { RUNTIME_SETTINGS, type EmulatorConfig, type UserConfig } from '../config/config.js';
import { resolveConfig, validateSetting } from '../config/validate.js';
import { parseFault, type Fault, type RequestLogEntry } from './log-and-faults.js';
import { apiError } from '../http/errors.js';
import { mediaType, methodNotAllowed } from '../http/request.js';
import type { Ctx, Env, Shared } from '../context.js';

/** The settings that may change while the tenant runs (see {@link TenantControls.configure}). */
export type RuntimeSettings = Pick<
  EmulatorConfig,
  | 'autoApprove'
  | 'accessTokenTtlSeconds'
  | 'purposeTokenTtlSeconds'
  | 'refreshTokenTtlSeconds'
  | 'authorizationCodeTtlSeconds'
  | 'sessionInactivityTimeoutMinutes'
  | 'maxSessionDurationHours'
  | 'sessionInactivityTimeoutSeconds'
  | 'maxSessionDurationSeconds'
  | 'allowFraming'
  | 'maxTokensPerUser'
  | 'rotateRefreshTokens'
  | 'reuseDetection'
  | 'reuseGraceSeconds'
  | 'expiryFields'
  | 'rateLimiting'
  | 'tier1RateLimitPerMinute'
  | 'tier2RateLimitPerMinute'
  | 'rateLimitWindowMinutes'
  | 'exposeRetryAfter'
>;
// Spelled out above for the API reference; this fails to compile if the two lists drift apart.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const settingsMatch: SameKeys<keyof RuntimeSettings, (typeof RUNTIME_SETTINGS)[number]> = true;
void settingsMatch;

/** What a fault may say when it is added; the tenant gives it its `id` and counts its `hits`. */
export type FaultInput = Omit<Fault, 'id' | 'hits'>;

/** The tenant's counters: what it issued and refused since it started or was reset. */
export interface TenantStats {
  /** Access tokens issued (purpose tokens included). */
  tokensIssued: number;
  /** Successful refresh grants. */
  refreshes: number;
  /** Rotated-out refresh tokens presented again (each revoked its grant). */
  reuseDetections: number;
  /** Successful revocations (RFC 7009). */
  revocations: number;
}

/**
 * The control operations of a tenant, as methods. The `/__emulator/` HTTP control API calls the
 * same ones. Failures throw an `Error` whose `status` is the HTTP status the control API answers
 * with (404 for an unknown user or fault, 400 for an invalid setting or fault).
 */
export interface TenantControls {
  /** The request log, oldest first (paths and metadata only; never tokens, bodies or queries). */
  requests(): RequestLogEntry[];
  /** Empties the request log. */
  clearRequests(): void;
  /** The tenant's counters. */
  stats(): TenantStats;
  /** The tenant's whole current config (clients, users, apps and settings); a copy. */
  config(): EmulatorConfig;
  /**
   * Changes settings at run time (token lifetimes, session timeouts, `autoApprove`,
   * `allowFraming`, rotation, ...) and returns the resulting config. Validated like a config
   * file; nothing changes when one value is invalid. `null` unsets a test setting that is unset
   * by default (`accessTokenTtlSeconds`, `refreshTokenTtlSeconds`,
   * `sessionInactivityTimeoutSeconds`, `maxSessionDurationSeconds`, `reuseGraceSeconds`), so the
   * clients' own lifetimes, the tenant's session timeouts and plain reuse detection apply again.
   */
  configure(changes: { [K in keyof RuntimeSettings]?: RuntimeSettings[K] | null }): EmulatorConfig;
  /**
   * Adds a fault on a path (a status, a delay, a dropped connection, or an answer dropped after the
   * request was processed); returns it with its `id`.
   */
  addFault(fault: FaultInput): Fault;
  /** The faults in force, with how often each has hit. */
  faults(): Fault[];
  /** Removes one fault; false when there is no fault with that id. */
  removeFault(id: string): boolean;
  /** Removes every fault. */
  clearFaults(): void;
  /**
   * Forgets every session, code, token and grant, the request log, the faults and the counters,
   * and restores the config the tenant was created with. Signing keys stay.
   */
  reset(): void;
  /** Revokes every grant of a user (as an administrator would); returns how many. */
  revokeUser(userId: string): number;
  /** Disables a user: their tokens stop working and they cannot sign in or refresh. */
  disableUser(userId: string): UserConfig;
  /** Enables a disabled user again. */
  enableUser(userId: string): UserConfig;
  /**
   * Makes the user's current access tokens (and purpose tokens) expired now, so the next API call
   * with one gets 401 and a client must refresh; the refresh tokens keep working. Returns how
   * many tokens it expired.
   */
  expireAccessTokens(userId: string): number;
  /**
   * Ends the user's login sessions at the tenant, as a sign-out there or a session timeout
   * would: the next authorization request shows the login page, and one with `prompt=none` is
   * answered with `login_required`. Tokens already issued are not revoked: access and refresh
   * tokens live on, independent of the session. Returns how many sessions ended.
   */
  endLoginSessions(userId: string): number;
}

/** Builds the control operations of one tenant. */
export function createControls(shared: Shared): TenantControls {
  const { tenant, control } = shared;
  const userOrThrow = (userId: string): UserConfig => {
    const user = tenant.user(userId);
    if (!user) throw apiError(404, 'HTTP-404', 'Not found', `no such user: ${userId}`);
    return user;
  };
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    requests: () => copy(control.log),
    clearRequests: () => void (control.log.length = 0),
    stats: () => ({ ...tenant.stats }),
    config: () => copy(tenant.config),
    configure(changes) {
      if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
        throw apiError(400, 'EMULATOR-3', 'Invalid config', 'send a JSON object');
      }
      const updates: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (!(RUNTIME_SETTINGS as readonly string[]).includes(key)) {
          throw apiError(400, 'EMULATOR-3', 'Invalid config', `${key} cannot change at run time`);
        }
        try {
          updates[key] = validateSetting(key as (typeof RUNTIME_SETTINGS)[number], value);
        } catch (error) {
          throw apiError(400, 'EMULATOR-3', 'Invalid config', (error as Error).message);
        }
      }
      const settings = tenant.config as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(updates)) {
        if (value === undefined) delete settings[key];
        else settings[key] = value;
      }
      return copy(tenant.config);
    },
    addFault(input) {
      const fault = parseFault(input);
      control.faults.push(fault);
      return { ...fault };
    },
    faults: () => control.faults.map((fault) => ({ ...fault })),
    removeFault(id) {
      const before = control.faults.length;
      control.faults = control.faults.filter((fault) => fault.id !== id);
      return control.faults.length !== before;
    },
    clearFaults: () => void (control.faults = []),
    reset() {
      tenant.reset(resolveConfig(shared.initialConfig));
      control.reset();
    },
    revokeUser: (userId) => tenant.grants.revokeUser(userOrThrow(userId).id),
    disableUser(userId) {
      const user = userOrThrow(userId);
      user.disabled = true;
      return { ...user };
    },
    enableUser(userId) {
      const user = userOrThrow(userId);
      user.disabled = false;
      return { ...user };
    },
    expireAccessTokens: (userId) => tenant.accessTokens.expireUser(userOrThrow(userId).id),
    endLoginSessions: (userId) => tenant.signIns.endSessions(userOrThrow(userId).id),
  };
}

/**
 * The `/__emulator/` control API that tests use to inspect and bend the tenant.
 *
 * No web page on another origin may read or change the tenant's state through it: a request
 * with an `Origin` must come from a registered client's origin (403 otherwise; browsers send
 * `Origin` on every cross-origin fetch and on every POST), CORS is granted to those origins only,
 * and a request with a body must send it as `application/json` (415 otherwise), so no form or
 * `text/plain` request (which needs no preflight) reaches it. Node clients, the CLI and
 * Playwright's request context send no `Origin` and keep working.
 */
export function createControlRoutes(
  controls: TenantControls,
  allowedOrigin: (origin: string) => boolean,
): Hono<Env> {
  const body = async (c: Ctx): Promise<unknown> => {
    const text = await c.req.text();
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch {
      throw apiError(400, 'EMULATOR-2', 'Invalid JSON', 'the body is not valid JSON');
    }
  };
  // Hono decodes the path parameter (and leaves a malformed escape as it is: no such user).
  const userId = (c: Ctx) => c.req.param('userId') ?? '';
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigin(origin)) {
      throw apiError(403, 'HTTP-403', 'Forbidden', 'the control API answers no other origin');
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      const type = c.req.header('content-type');
      // Hono caches the text, so the route reads the same body again.
      const text = await c.req.text();
      if ((type !== undefined || text !== '') && mediaType(c) !== 'application/json') {
        throw apiError(
          415,
          'HTTP-415',
          'Unsupported media type',
          'control requests with a body must send it as application/json',
        );
      }
    }
    await next();
  });
  app.use(
    '*',
    cors({
      origin: (origin) => (allowedOrigin(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowHeaders: ['content-type'],
      maxAge: 600,
    }),
  );
  app
    .get('/requests', (c) => c.json({ data: controls.requests() }))
    .delete('/requests', (c) => {
      controls.clearRequests();
      return c.json({ data: [] });
    })
    .all('/requests', () => methodNotAllowed('GET, DELETE'));
  app.get('/stats', (c) => c.json(controls.stats())).all('/stats', () => methodNotAllowed('GET'));
  app
    .get('/config', (c) => c.json(controls.config()))
    .patch('/config', async (c) =>
      c.json(controls.configure((await body(c)) as Partial<RuntimeSettings>)),
    )
    .all('/config', () => methodNotAllowed('GET, PATCH'));
  app
    .get('/faults', (c) => c.json({ data: controls.faults() }))
    .post('/faults', async (c) => c.json(controls.addFault((await body(c)) as FaultInput), 201))
    .delete('/faults', (c) => {
      controls.clearFaults();
      return c.json({ data: [] });
    })
    .all('/faults', () => methodNotAllowed('GET, POST, DELETE'));
  app
    .delete('/faults/:id', (c) => {
      if (!controls.removeFault(c.req.param('id'))) {
        throw apiError(404, 'HTTP-404', 'Not found', 'no such fault');
      }
      return c.body(null, 204);
    })
    .all('/faults/:id', () => methodNotAllowed('DELETE'));
  app
    .post('/users/:userId/revoke', (c) => c.json({ revokedGrants: controls.revokeUser(userId(c)) }))
    .post('/users/:userId/disable', (c) => c.json(controls.disableUser(userId(c))))
    .post('/users/:userId/enable', (c) => c.json(controls.enableUser(userId(c))))
    .post('/users/:userId/expire', (c) =>
      c.json({ expiredTokens: controls.expireAccessTokens(userId(c)) }),
    )
    .post('/users/:userId/sign-out', (c) =>
      c.json({ endedSessions: controls.endLoginSessions(userId(c)) }),
    )
    .all('/users/:userId/:action{revoke|disable|enable|expire|sign-out}', () =>
      methodNotAllowed('POST'),
    );
  app
    .post('/reset', (c) => {
      controls.reset();
      return c.json({ reset: true });
    })
    .all('/reset', () => methodNotAllowed('POST'));
  app.all('*', (c) => {
    throw apiError(
      404,
      'HTTP-404',
      'Not found',
      `no control endpoint at ${new URL(c.req.url).pathname}`,
    );
  });
  return app;
}
