/**
 * The three kinds of OAuth client of Qlik Cloud's management console: `spa` (single-page app,
 * public, PKCE), `native` (public, PKCE) and `web` (confidential, with a secret).
 */
export type AppType = 'spa' | 'web' | 'native';

/** An OAuth client registered on the emulated tenant. */
export interface ClientConfig {
  /** The OAuth `client_id`. */
  clientId: string;
  /** The secret of a `web` (confidential) client; `spa` and `native` clients are public and have none. */
  clientSecret?: string;
  /**
   * The kind of OAuth client, as Qlik Cloud's management console names it. It decides what the
   * client gets: an `spa` never gets `offline_access` or a refresh token; `native` and `web`
   * clients get a refresh token from a browser sign-in that asks for `offline_access`. Default:
   * `web` when the client has a `clientSecret`, else `spa`.
   */
  appType?: AppType;
  /** Absolute redirect URIs the authorization endpoint accepts, compared exactly. */
  redirectUris: string[];
  /**
   * Browser origins (`scheme://host:port`) that get CORS on the token, revoke and API paths, and
   * may use the control API from a page.
   */
  allowedOrigins?: string[];
  /** May use the `urn:qlik:oauth:user-impersonation` grant. */
  allowImpersonation?: boolean;
  /**
   * Scopes the client may request (its allow list). Default: `user_default`, `offline_access` and
   * `admin_classic` for a `web` client; `user_default` and `offline_access` for a `native` one;
   * `user_default` for an `spa`. An `spa` may not have `offline_access`, and only a `web` client
   * may have `admin_classic` (Qlik's scope reference): the config is refused otherwise. Qlik's
   * fine-grained scopes (`apps:read`, `identity.name:read`, ...) may be listed too; see the
   * README, "Scopes", for the ones the emulator's APIs check.
   */
  scopes?: string[];
  /**
   * How long the client's access tokens live, in whole minutes: 15 to 1,440, default 360 (6
   * hours), as Qlik Cloud's management console sets it per client. The tenant-wide test setting
   * {@link EmulatorConfig.accessTokenTtlSeconds} overrides it when set.
   */
  accessTokenLifetimeMinutes?: number;
  /**
   * How long the client's refresh tokens live, in whole hours: 1 to 720, default 720 (30 days),
   * and longer than the access tokens. `web` and `native` clients only: an `spa` gets no refresh
   * tokens. The tenant-wide test setting {@link EmulatorConfig.refreshTokenTtlSeconds} overrides
   * it when set.
   */
  refreshTokenLifetimeHours?: number;
}

/** A user of the emulated tenant. */
export interface UserConfig {
  /** The user's id (`/api/v1/users/me` `id`, the control API's `/users/{id}`). */
  id: string;
  /** The identity provider's subject (the access token's `sub`), e.g. `emulator|ada`. */
  subject: string;
  /** Display name. */
  name: string;
  /** Email; typing it on the login page signs this user in. */
  email: string;
  /** A disabled user cannot sign in, refresh or use a token. */
  disabled?: boolean;
}

/** A sheet of an app, as the engine lists it to @qlik/api's `getSheetList()`. */
export interface SheetConfig {
  /** The sheet's object id (`qInfo.qId`), unique within its app. */
  id: string;
  /** The title `getSheetList()` and the sheet's layout show. */
  title: string;
  /** An optional description, shown with the title. */
  description?: string;
}

/** An app the tenant lists in `/api/v1/items` and serves over the engine socket. */
export interface AppConfig {
  /** The app id (the engine socket path `/app/{id}`). */
  id: string;
  /** The app's title. */
  name: string;
  /** Description shown in `/api/v1/items`. */
  description?: string;
  /** The app's sheets; an app without any gets two stock sheets. */
  sheets?: SheetConfig[];
}

/** Every setting of the emulated tenant. All optional in a config file. */
export interface EmulatorConfig {
  /** Skip the login page: sign in the user named by `login_hint`, else the first user. */
  autoApprove: boolean;
  /**
   * The registered OAuth clients. Default: `demo-spa`, a single-page app, and `demo-native`, a
   * public native client that gets refresh tokens, both for the dev ports.
   */
  clients: ClientConfig[];
  /** The tenant's users. Default: Ada Lovelace (`user-ada`) and Alan Turing (`user-alan`). */
  users: UserConfig[];
  /** The apps in `/api/v1/items` and on the engine socket. Default: three sample apps. */
  apps: AppConfig[];
  /**
   * A test setting: every access token lives this many seconds, whatever its client's
   * `accessTokenLifetimeMinutes`. Unset by default (each client's lifetime applies); `null` in a
   * config file or `PATCH /__emulator/config` unsets it.
   */
  accessTokenTtlSeconds?: number;
  /** Lifetime of websocket and webresource purpose tokens, in seconds. Default 300. */
  purposeTokenTtlSeconds: number;
  /**
   * A test setting: every refresh token lives this many seconds, whatever its client's
   * `refreshTokenLifetimeHours`. Unset by default; `null` unsets it.
   */
  refreshTokenTtlSeconds?: number;
  /** Lifetime of authorization codes, in seconds. Default 60. */
  authorizationCodeTtlSeconds: number;
  /**
   * The tenant's "Session inactivity timeout": a login session (the tenant's cookie, which
   * `prompt=none` relies on) not used for this many minutes ends. 15 to 1,440, default 30, as
   * Qlik Cloud. Applies to sessions that start after it is set.
   */
  sessionInactivityTimeoutMinutes: number;
  /**
   * The tenant's "Maximum session duration": a login session ends this many hours after the
   * sign-in, used or not. 1 to 168, default 24, as Qlik Cloud. Applies to new sessions.
   */
  maxSessionDurationHours: number;
  /**
   * A test setting: the inactivity timeout of new login sessions in seconds, over
   * `sessionInactivityTimeoutMinutes`. Unset by default; `null` unsets it.
   */
  sessionInactivityTimeoutSeconds?: number;
  /**
   * A test setting: the maximum duration of new login sessions in seconds, over
   * `maxSessionDurationHours`. Unset by default; `null` unsets it.
   */
  maxSessionDurationSeconds?: number;
  /**
   * Let the registered clients' allowed origins frame `/oauth/authorize` and its login page
   * (`Content-Security-Policy: frame-ancestors <origins>`, no `X-Frame-Options`), to test
   * renewal in a hidden iframe. Default false: `X-Frame-Options: DENY` and `frame-ancestors
   * 'none'`, so no page can frame the login.
   */
  allowFraming: boolean;
  /** Live grants a user may hold; one more is refused with 403 `too_many_tokens`. Default 100. */
  maxTokensPerUser: number;
  /** Rotate the refresh token on every use (Qlik does). */
  rotateRefreshTokens: boolean;
  /** A rotated-out refresh token presented again revokes its whole family. */
  reuseDetection: boolean;
  /**
   * A test setting: for this many seconds after a refresh token is rotated out, presenting it
   * again is not a reuse: the tenant answers with a new access token and the refresh token that
   * replaced it, as a client that never received the rotation's answer needs. Only the token
   * rotated out last qualifies. Unset by default (no grace: with `reuseDetection`, the retry
   * revokes the grant); `null` unsets it. Qlik Cloud documents no such period: it is the
   * "rotation overlap period" of Auth0
   * (https://auth0.com/docs/secure/tokens/refresh-tokens/configure-refresh-token-rotation) or the
   * `RetryGracePeriodSeconds` of Amazon Cognito
   * (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RefreshTokenRotationType.html),
   * for testing a client against such a tenant.
   */
  reuseGraceSeconds?: number;
  /** Which expiry fields token responses carry: Qlik sends `expires_at`. */
  expiryFields: 'expires_at' | 'expires_in' | 'both';
  /**
   * Enforce Qlik Cloud's API rate limits on the OAuth endpoints (default true): `/oauth/token`
   * and `/oauth/revoke` are Tier 2, `/oauth/authorize` Tier 1 (the `x-qlik-tier` of Qlik's OAuth
   * OpenAPI). A request over the limit gets 429 with `Retry-After` and Qlik's body, as qlik.dev
   * "Rate limiting" (https://qlik.dev/apis/rest/rate-limiting) describes. Turn it off (or raise
   * the limits) only for load: benchmarks and soak runs that go beyond what Qlik allows.
   */
  rateLimiting: boolean;
  /** Tier 1 requests a user may make per minute (Qlik: 1,000). Whole number, 1 to 1,000,000. */
  tier1RateLimitPerMinute: number;
  /** Tier 2 requests a user may make per minute (Qlik: 100). Whole number, 1 to 1,000,000. */
  tier2RateLimitPerMinute: number;
  /**
   * The window the per-minute limits are evaluated over, in whole minutes (Qlik: 5, "to support
   * bursts"): a user may make `perMinute × rateLimitWindowMinutes` requests of a tier in one
   * window. 1 to 60.
   */
  rateLimitWindowMinutes: number;
  /**
   * List `Retry-After` in `Access-Control-Expose-Headers` of CORS answers to allowed origins, so
   * a page can read it cross-origin (it is not a CORS-safelisted response header). Whether Qlik
   * Cloud does is not documented: default false, the harder case for a browser client, which
   * then finds the seconds only in the 429 body's `detail`.
   */
  exposeRetryAfter: boolean;
}

/**
 * The origins of the demo (5173, and 4173 for `vite preview`) and the mashup (5174 and 4174), as
 * their dev servers print them. Qlik Cloud compares origins exactly, so `127.0.0.1` would be
 * another origin; the apps are opened as `localhost`.
 */
const devOrigins = [5173, 4173, 5174, 4174].map((port) => `http://localhost:${port}`);

/**
 * Qlik Cloud's tenant session timeouts: default and allowed range of "Session inactivity
 * timeout" (minutes) and "Maximum session duration" (hours), from "Configuring session timeouts"
 * (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/configure-session-timeout.htm).
 */
export const SESSION_INACTIVITY_MINUTES = { min: 15, max: 1440, default: 30 } as const;
export const SESSION_DURATION_HOURS = { min: 1, max: 168, default: 24 } as const;

/**
 * Qlik Cloud's API rate limits ("Rate limiting", https://qlik.dev/apis/rest/rate-limiting): Tier
 * 1 1,000 requests per minute, Tier 2 100 per minute, each evaluated over a 5-minute window to
 * allow bursts, per tier, per user, per tenant.
 */
export const QLIK_RATE_LIMITS = { tier1PerMinute: 1000, tier2PerMinute: 100, windowMinutes: 5 };

/**
 * The redirect URIs of the default clients: one callback page per app origin, as Qlik advises
 * (the app comes back from the sign-in there, and `handleRedirectCallback()` hands it the route it
 * started from), and the end-to-end suite's harness page of the mashup, which reports what the
 * callback resolved to. Five, the most a Qlik Cloud OAuth client may have, with its five allowed
 * origins ("Creating and managing OAuth clients", "Limitations",
 * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/mc-create-oauth-client.htm).
 */
const devRedirectUris = [
  ...devOrigins.map((origin) => `${origin}/callback`),
  'http://localhost:5174/harness.html',
];

/**
 * The tenant you get without a config file: the demo and mashup apps' clients (`demo-spa`, a
 * single-page app, and `demo-native`, a public native client that gets refresh tokens) and two
 * users.
 */
export function defaultConfig(): EmulatorConfig {
  return {
    autoApprove: false,
    clients: [
      {
        clientId: 'demo-spa',
        appType: 'spa',
        redirectUris: [...devRedirectUris],
        allowedOrigins: [...devOrigins],
        scopes: ['user_default'],
      },
      {
        clientId: 'demo-native',
        appType: 'native',
        redirectUris: [...devRedirectUris],
        allowedOrigins: [...devOrigins],
        scopes: ['user_default', 'offline_access'],
      },
    ],
    users: [
      {
        id: 'user-ada',
        subject: 'emulator|ada',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
      },
      {
        id: 'user-alan',
        subject: 'emulator|alan',
        name: 'Alan Turing',
        email: 'alan@example.com',
      },
    ],
    apps: [
      { id: 'a1b2c3d4-0001-4000-8000-000000000001', name: 'Sales Overview' },
      { id: 'a1b2c3d4-0002-4000-8000-000000000002', name: 'Customer Churn' },
      { id: 'a1b2c3d4-0003-4000-8000-000000000003', name: 'Supply Chain' },
    ],
    purposeTokenTtlSeconds: 300,
    authorizationCodeTtlSeconds: 60,
    sessionInactivityTimeoutMinutes: SESSION_INACTIVITY_MINUTES.default,
    maxSessionDurationHours: SESSION_DURATION_HOURS.default,
    allowFraming: false,
    maxTokensPerUser: 100,
    rotateRefreshTokens: true,
    reuseDetection: true,
    expiryFields: 'expires_at',
    rateLimiting: true,
    tier1RateLimitPerMinute: QLIK_RATE_LIMITS.tier1PerMinute,
    tier2RateLimitPerMinute: QLIK_RATE_LIMITS.tier2PerMinute,
    rateLimitWindowMinutes: QLIK_RATE_LIMITS.windowMinutes,
    exposeRetryAfter: false,
  };
}

/** The settings that may change at run time through `PATCH /__emulator/config`. */
export const RUNTIME_SETTINGS = [
  'autoApprove',
  'accessTokenTtlSeconds',
  'purposeTokenTtlSeconds',
  'refreshTokenTtlSeconds',
  'authorizationCodeTtlSeconds',
  'sessionInactivityTimeoutMinutes',
  'maxSessionDurationHours',
  'sessionInactivityTimeoutSeconds',
  'maxSessionDurationSeconds',
  'allowFraming',
  'maxTokensPerUser',
  'rotateRefreshTokens',
  'reuseDetection',
  'reuseGraceSeconds',
  'expiryFields',
  'rateLimiting',
  'tier1RateLimitPerMinute',
  'tier2RateLimitPerMinute',
  'rateLimitWindowMinutes',
  'exposeRetryAfter',
] as const;
