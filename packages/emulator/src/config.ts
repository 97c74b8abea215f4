/** An OAuth client registered on the emulated tenant. */
export interface ClientConfig {
  /** The OAuth `client_id`. */
  clientId: string;
  /** Present for confidential clients (`web`, and `native` when given one). */
  clientSecret?: string;
  /** The kind of OAuth client, as Qlik Cloud's management console names it. Informational. */
  appType?: 'spa' | 'web' | 'native';
  /** Absolute redirect URIs the authorization endpoint accepts, compared exactly. */
  redirectUris: string[];
  /**
   * Browser origins (`scheme://host:port`) that get CORS on the token, revoke and API paths, and
   * may use the control API from a page.
   */
  allowedOrigins?: string[];
  /** May use the `urn:qlik:oauth:user-impersonation` grant. */
  allowImpersonation?: boolean;
  /** Scopes the client may request; default `user_default`, `offline_access`, `admin_classic`. */
  scopes?: string[];
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

/** An app the tenant lists in `/api/v1/items` and serves over the engine socket. */
export interface AppConfig {
  /** The app id (the engine socket path `/app/{id}`). */
  id: string;
  /** The app's title. */
  name: string;
  /** Description shown in `/api/v1/items`. */
  description?: string;
}

/** Every setting of the emulated tenant. All optional in a config file. */
export interface EmulatorConfig {
  /** Skip the login page: sign in the user named by `login_hint`, else the first user. */
  autoApprove: boolean;
  /** The registered OAuth clients. Default: `demo-spa`, a public SPA client for the dev ports. */
  clients: ClientConfig[];
  /** The tenant's users. Default: Ada Lovelace (`user-ada`) and Alan Turing (`user-alan`). */
  users: UserConfig[];
  /** The apps in `/api/v1/items` and on the engine socket. Default: three sample apps. */
  apps: AppConfig[];
  /** Lifetime of access tokens, in seconds. Default 21600 (6 hours, as Qlik Cloud). */
  accessTokenTtlSeconds: number;
  /** Lifetime of websocket and webresource purpose tokens, in seconds. Default 300. */
  purposeTokenTtlSeconds: number;
  /** Lifetime of refresh tokens, in seconds. Default 30 days. */
  refreshTokenTtlSeconds: number;
  /** Lifetime of authorization codes, in seconds. Default 60. */
  authorizationCodeTtlSeconds: number;
  /** Live grants a user may hold; one more is refused with 403 `too_many_tokens`. Default 100. */
  maxTokensPerUser: number;
  /** Rotate the refresh token on every use (Qlik does). */
  rotateRefreshTokens: boolean;
  /** A rotated-out refresh token presented again revokes its whole family. */
  reuseDetection: boolean;
  /** Which expiry fields token responses carry: Qlik sends `expires_at`. */
  expiryFields: 'expires_at' | 'expires_in' | 'both';
}

const devPorts = [5173, 4173, 5174, 4174];
const devOrigins = devPorts.flatMap((port) => [
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
]);

/** The tenant you get without a config file: the demo and mashup apps' client and two users. */
export function defaultConfig(): EmulatorConfig {
  return {
    autoApprove: false,
    clients: [
      {
        clientId: 'demo-spa',
        appType: 'spa',
        redirectUris: devOrigins.flatMap((origin) => [
          `${origin}/`,
          `${origin}/callback`,
          `${origin}/index.html`,
          `${origin}/harness.html`,
        ]),
        allowedOrigins: devOrigins,
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
    accessTokenTtlSeconds: 21600,
    purposeTokenTtlSeconds: 300,
    refreshTokenTtlSeconds: 30 * 24 * 3600,
    authorizationCodeTtlSeconds: 60,
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
  'maxTokensPerUser',
  'rotateRefreshTokens',
  'reuseDetection',
  'expiryFields',
] as const;

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

/**
 * Validates one runtime setting and returns the value to store; used both for config files and
 * for the control API, so both refuse the same things.
 */
export function validateSetting(key: (typeof RUNTIME_SETTINGS)[number], value: unknown): unknown {
  switch (key) {
    case 'autoApprove':
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
    default:
      check(
        typeof value === 'number' &&
          Number.isFinite(value) &&
          value > 0 &&
          value <= 10 * 365 * 86400,
        `${key} must be a positive number`,
      );
      return value;
  }
}

/** Merges a parsed config file over the defaults, refusing anything malformed. */
export function resolveConfig(input: unknown): EmulatorConfig {
  const config = defaultConfig();
  if (input === undefined || input === null) return config;
  check(isObject(input), 'config must be a JSON object');
  for (const key of RUNTIME_SETTINGS) {
    if (input[key] !== undefined) {
      (config as unknown as Record<string, unknown>)[key] = validateSetting(key, input[key]);
    }
  }
  if (input.clients !== undefined) {
    check(Array.isArray(input.clients), 'clients must be an array');
    config.clients = input.clients.map((raw, i) => {
      check(isObject(raw), `clients[${i}] must be an object`);
      check(typeof raw.clientId === 'string' && raw.clientId, `clients[${i}].clientId is required`);
      check(isStringArray(raw.redirectUris), `clients[${i}].redirectUris must be strings`);
      check(
        raw.allowedOrigins === undefined || isStringArray(raw.allowedOrigins),
        `clients[${i}].allowedOrigins must be strings`,
      );
      check(
        raw.appType === undefined || ['spa', 'web', 'native'].includes(raw.appType as string),
        `clients[${i}].appType must be spa, web or native`,
      );
      check(
        raw.clientSecret === undefined || typeof raw.clientSecret === 'string',
        `clients[${i}].clientSecret must be a string`,
      );
      check(
        raw.scopes === undefined || isStringArray(raw.scopes),
        `clients[${i}].scopes must be strings`,
      );
      return raw as unknown as ClientConfig;
    });
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
      return raw as unknown as AppConfig;
    });
  }
  return config;
}
