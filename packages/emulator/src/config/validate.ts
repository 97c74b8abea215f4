import {
  ACCESS_TOKEN_MINUTES,
  OFFLINE_ACCESS,
  REFRESH_TOKEN_HOURS,
  appTypeOf,
} from './client-policy.js';
import { ADMIN_CLASSIC } from './scopes.js';
import {
  RUNTIME_SETTINGS,
  SESSION_DURATION_HOURS,
  SESSION_INACTIVITY_MINUTES,
  defaultConfig,
  type AppConfig,
  type ClientConfig,
  type EmulatorConfig,
  type UserConfig,
} from './config.js';

/**
 * Checking a config (a file, the `config` option, a run-time change) as Qlik Cloud's management
 * console would: what it would not let an administrator save is refused, naming the field.
 */

/** The runtime settings that are unset by default, and that `null` unsets again. */
const UNSETTABLE: ReadonlySet<string> = new Set([
  'accessTokenTtlSeconds',
  'refreshTokenTtlSeconds',
  'sessionInactivityTimeoutSeconds',
  'maxSessionDurationSeconds',
  'reuseGraceSeconds',
]);

/** Most redirect URLs, and most allowed origins, a Qlik Cloud OAuth client may have. */
export const CLIENT_LIST_LIMIT = 5;

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
    case 'rateLimiting':
    case 'exposeRetryAfter':
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
    // Qlik's own figures are 1,000 and 100 per minute over 5 minutes (QLIK_RATE_LIMITS); other
    // values are for tests (a low limit) and load (a high one).
    case 'tier1RateLimitPerMinute':
    case 'tier2RateLimitPerMinute':
      check(
        wholeNumberIn(value, { min: 1, max: 1_000_000 }),
        `${key} must be a whole number of requests from 1 to 1000000`,
      );
      return value;
    case 'rateLimitWindowMinutes':
      check(
        wholeNumberIn(value, { min: 1, max: 60 }),
        `${key} must be a whole number of minutes from 1 to 60`,
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
  // "Creating and managing OAuth clients" (Qlik Cloud help, "Limitations",
  // https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/mc-create-oauth-client.htm):
  // a client has at most 5 redirect URLs and at most 5 allowed origins.
  // The built-in demo clients keep to it too (config.ts).
  for (const [setting, list] of [
    ['redirectUris', client.redirectUris],
    ['allowedOrigins', client.allowedOrigins ?? []],
  ] as const) {
    check(
      list.length <= CLIENT_LIST_LIMIT,
      `${at}.${setting} of client ${client.clientId} has ${list.length} entries: a Qlik Cloud OAuth client has at most ${CLIENT_LIST_LIMIT}`,
    );
  }
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
  // admin_classic is for web clients only: "not supported for single-page app or native client
  // types" (help.qlik.com "OAuth scopes reference",
  // https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-scopes.htm).
  check(
    appType === 'web' || !client.scopes?.includes(ADMIN_CLASSIC),
    `${at}.scopes cannot include admin_classic: Qlik supports it for web clients only, not for ${appType} clients (client ${client.clientId})`,
  );
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
