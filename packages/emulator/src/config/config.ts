import {
  ACCESS_TOKEN_MINUTES,
  OFFLINE_ACCESS,
  REFRESH_TOKEN_HOURS,
  appTypeOf,
} from './client-policy.js';

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
   * Scopes the client may request. Default: `user_default`, `offline_access` and `admin_classic`
   * for `web` and `native` clients; `user_default` and `admin_classic` for an `spa`, which may not
   * have `offline_access`.
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
}

const devPorts = [5173, 4173, 5174, 4174];
const devOrigins = devPorts.flatMap((port) => [
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
]);

/**
 * Qlik Cloud's tenant session timeouts: default and allowed range of "Session inactivity
 * timeout" (minutes) and "Maximum session duration" (hours), from "Configuring session timeouts"
 * (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/configure-session-timeout.htm).
 */
export const SESSION_INACTIVITY_MINUTES = { min: 15, max: 1440, default: 30 } as const;
export const SESSION_DURATION_HOURS = { min: 1, max: 168, default: 24 } as const;

/** The redirect URIs of the demo and mashup apps on every dev port. */
const devRedirectUris = devOrigins.flatMap((origin) => [
  `${origin}/`,
  `${origin}/callback`,
  `${origin}/index.html`,
  `${origin}/harness.html`,
]);

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
] as const;

/** The runtime settings that are unset by default, and that `null` unsets again. */
const UNSETTABLE: ReadonlySet<string> = new Set([
  'accessTokenTtlSeconds',
  'refreshTokenTtlSeconds',
  'sessionInactivityTimeoutSeconds',
  'maxSessionDurationSeconds',
  'reuseGraceSeconds',
]);

/** Thrown for a config that cannot describe a tenant; the message names the bad field. */
export class ConfigError extends Error {
  /** Always `ConfigError`. */
  override name = 'ConfigError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConfigError(message);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A whole number within `range`, for the settings Qlik Cloud's console takes as whole numbers. */
function wholeNumberIn(value: unknown, range: { min: number; max: number }): value is number {
  return (
    Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max
  );
}

/**
 * Validates one runtime setting and returns the value to store (`undefined`: unset it); used
 * both for config files and for the control API, so both refuse the same things.
 */
export function validateSetting(key: (typeof RUNTIME_SETTINGS)[number], value: unknown): unknown {
  if (value === null && UNSETTABLE.has(key)) return undefined;
  switch (key) {
    case 'autoApprove':
    case 'allowFraming':
    case 'rotateRefreshTokens':
    case 'reuseDetection':
      check(typeof value === 'boolean', `${key} must be a boolean`);
      return value;
    case 'expiryFields':
      check(
        value === 'expires_at' || value === 'expires_in' || value === 'both',
        `${key} must be expires_at, expires_in or both`,
      );
      return value;
    // Qlik Cloud's console takes these in whole minutes and hours within its ranges
    // (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/configure-session-timeout.htm).
    case 'sessionInactivityTimeoutMinutes':
      check(
        wholeNumberIn(value, SESSION_INACTIVITY_MINUTES),
        `${key} must be a whole number of minutes from ${SESSION_INACTIVITY_MINUTES.min} to ${SESSION_INACTIVITY_MINUTES.max}`,
      );
      return value;
    case 'maxSessionDurationHours':
      check(
        wholeNumberIn(value, SESSION_DURATION_HOURS),
        `${key} must be a whole number of hours from ${SESSION_DURATION_HOURS.min} to ${SESSION_DURATION_HOURS.max}`,
      );
      return value;
    default:
      check(
        typeof value === 'number' &&
          Number.isFinite(value) &&
          value > 0 &&
          value <= 10 * 365 * 86400,
        `${key} must be a positive number${UNSETTABLE.has(key) ? ' (or null to unset it)' : ''}`,
      );
      return value;
  }
}

/**
 * Checks one client of a config and returns it with its type resolved (a copy: the caller's
 * object is never changed). What the management console would not let an administrator save is
 * refused, naming the field.
 */
function resolveClient(raw: unknown, i: number): ClientConfig {
  const at = `clients[${i}]`;
  check(isObject(raw), `${at} must be an object`);
  check(typeof raw.clientId === 'string' && raw.clientId, `${at}.clientId is required`);
  check(isStringArray(raw.redirectUris), `${at}.redirectUris must be strings`);
  check(
    raw.allowedOrigins === undefined || isStringArray(raw.allowedOrigins),
    `${at}.allowedOrigins must be strings`,
  );
  check(
    raw.appType === undefined || ['spa', 'web', 'native'].includes(raw.appType as string),
    `${at}.appType must be spa, web or native`,
  );
  check(
    raw.clientSecret === undefined || typeof raw.clientSecret === 'string',
    `${at}.clientSecret must be a string`,
  );
  check(raw.scopes === undefined || isStringArray(raw.scopes), `${at}.scopes must be strings`);
  const client = raw as unknown as ClientConfig;
  const appType = appTypeOf(client);
  // Qlik Cloud has confidential clients for web apps and public ones (no secret, PKCE) for
  // native and single-page apps ("Creating and managing OAuth clients",
  // https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/mc-create-oauth-client.htm).
  if (appType === 'web') {
    check(client.clientSecret, `${at}.clientSecret is required: a web client is confidential`);
  } else {
    check(
      client.clientSecret === undefined,
      `${at}.clientSecret must be left out: ${appType} clients are public and have no secret`,
    );
  }
  // Per-client token durations, with the console's ranges, defaults and the rule that access
  // tokens end before refresh tokens ("Configuring OAuth token duration",
  // https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm).
  const access = client.accessTokenLifetimeMinutes;
  check(
    access === undefined || wholeNumberIn(access, ACCESS_TOKEN_MINUTES),
    `${at}.accessTokenLifetimeMinutes must be a whole number of minutes from ${ACCESS_TOKEN_MINUTES.min} to ${ACCESS_TOKEN_MINUTES.max}`,
  );
  const refresh = client.refreshTokenLifetimeHours;
  if (appType === 'spa') {
    // The same page: single-page apps cannot have offline_access, so they get no refresh
    // token, and the console offers no refresh token duration for them.
    check(
      !client.scopes?.includes(OFFLINE_ACCESS),
      `${at}.scopes cannot include offline_access: an spa client never gets refresh tokens`,
    );
    check(
      refresh === undefined,
      `${at}.refreshTokenLifetimeHours must be left out: an spa client never gets refresh tokens`,
    );
  } else {
    check(
      refresh === undefined || wholeNumberIn(refresh, REFRESH_TOKEN_HOURS),
      `${at}.refreshTokenLifetimeHours must be a whole number of hours from ${REFRESH_TOKEN_HOURS.min} to ${REFRESH_TOKEN_HOURS.max}`,
    );
    const accessMinutes = access ?? ACCESS_TOKEN_MINUTES.default;
    const refreshHours = refresh ?? REFRESH_TOKEN_HOURS.default;
    check(
      refreshHours * 60 > accessMinutes,
      `${at}.refreshTokenLifetimeHours (${refreshHours} h) must be longer than accessTokenLifetimeMinutes (${accessMinutes} min)`,
    );
  }
  return { ...client, appType };
}

/** Merges a parsed config file over the defaults, refusing anything malformed. */
export function resolveConfig(input: unknown): EmulatorConfig {
  const config = defaultConfig();
  if (input === undefined || input === null) return config;
  check(isObject(input), 'config must be a JSON object');
  const settings = config as unknown as Record<string, unknown>;
  for (const key of RUNTIME_SETTINGS) {
    if (input[key] === undefined) continue;
    const value = validateSetting(key, input[key]);
    if (value === undefined) delete settings[key];
    else settings[key] = value;
  }
  if (input.clients !== undefined) {
    check(Array.isArray(input.clients), 'clients must be an array');
    config.clients = input.clients.map(resolveClient);
  }
  if (input.users !== undefined) {
    check(Array.isArray(input.users) && input.users.length > 0, 'users must be a non-empty array');
    config.users = input.users.map((raw, i) => {
      check(isObject(raw), `users[${i}] must be an object`);
      for (const field of ['id', 'subject', 'name', 'email']) {
        check(typeof raw[field] === 'string' && raw[field], `users[${i}].${field} is required`);
      }
      return raw as unknown as UserConfig;
    });
  }
  if (input.apps !== undefined) {
    check(Array.isArray(input.apps), 'apps must be an array');
    config.apps = input.apps.map((raw, i) => {
      check(
        isObject(raw) && typeof raw.id === 'string' && typeof raw.name === 'string',
        `apps[${i}] needs an id and a name`,
      );
      check(
        raw.sheets === undefined ||
          (Array.isArray(raw.sheets) &&
            raw.sheets.every(
              (sheet) =>
                isObject(sheet) && typeof sheet.id === 'string' && typeof sheet.title === 'string',
            )),
        `apps[${i}].sheets must be objects with an id and a title`,
      );
      return raw as unknown as AppConfig;
    });
  }
  return config;
}
