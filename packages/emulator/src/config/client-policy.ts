import type { AppType, ClientConfig, EmulatorConfig } from './config.js';

/**
 * What a Qlik Cloud OAuth client gets by its type: which scopes it may hold, whether it is ever
 * issued a refresh token, and how long its tokens live. Each rule cites the Qlik page it follows.
 */

/** Qlik's help page on per-client token lifetimes and on which clients get refresh tokens. */
export const TOKEN_DURATION_HELP =
  'https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm';

export const OFFLINE_ACCESS = 'offline_access';

/**
 * The scopes a client may request when its config lists none. A single-page app cannot have
 * `offline_access` (single-page app clients cannot use that permission, so no refresh token is
 * ever issued to them: {@link TOKEN_DURATION_HELP}, "Refresh token configuration"), and only a
 * web (confidential) client may have `admin_classic`: Qlik's scope reference
 * (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-scopes.htm)
 * says it is not supported for single-page app or native client types.
 */
export function defaultScopes(appType: AppType): string[] {
  if (appType === 'spa') return ['user_default'];
  if (appType === 'native') return ['user_default', OFFLINE_ACCESS];
  return ['user_default', OFFLINE_ACCESS, 'admin_classic'];
}

/**
 * The type of a client whose config names none: `web` when it has a secret (Qlik's only
 * confidential type), else `spa`, the public browser client. Qlik Cloud's management console
 * always records a type; "Creating and managing OAuth clients"
 * (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/mc-create-oauth-client.htm)
 * names confidential clients for web apps and public clients for native and single-page apps.
 * Of the two public types the emulator picks the one that gets less: an SPA.
 */
export function appTypeOf(client: Pick<ClientConfig, 'appType' | 'clientSecret'>): AppType {
  return client.appType ?? (client.clientSecret !== undefined ? 'web' : 'spa');
}

/** The scopes a client may request: its own list, else the default of its type. */
export function allowedScopes(client: ClientConfig): string[] {
  return client.scopes ?? defaultScopes(appTypeOf(client));
}

/**
 * The scope a sign-in (authorization code grant) is granted, from the requested one. A
 * single-page app is never granted `offline_access`, even when it asks: the scope is left out
 * and the rest granted, with no error ({@link TOKEN_DURATION_HELP}, "Refresh token
 * configuration"). When it asked for nothing else, it gets its allow list without
 * `offline_access`: qlik.dev's "OAuth Scopes" (https://qlik.dev/authenticate/oauth/scopes) says
 * the tenant grants the client's allow list even for an empty `scope`, but never
 * `offline_access` unless it is requested.
 */
export function grantableScopes(client: ClientConfig, requested: string[]): string[] {
  if (appTypeOf(client) !== 'spa') return requested;
  const kept = requested.filter((scope) => scope !== OFFLINE_ACCESS);
  if (kept.length) return kept;
  return allowedScopes(client).filter((scope) => scope !== OFFLINE_ACCESS);
}

/**
 * Whether a grant gets a refresh token: only a browser sign-in (the authorization code flow) of
 * a web or native client that asked for, and was granted, `offline_access`. Never a single-page
 * app, and never a machine-to-machine grant (client credentials, impersonation), whatever the
 * client's settings ({@link TOKEN_DURATION_HELP}, "Refresh token configuration" and "When
 * refresh tokens are issued"; qlik.dev "OAuth Scopes": `offline_access` must be requested).
 */
export function issuesRefreshTokens(
  client: ClientConfig | undefined,
  scope: string,
  flow: 'browser' | 'm2m',
): boolean {
  return (
    flow === 'browser' &&
    client !== undefined &&
    appTypeOf(client) !== 'spa' &&
    scope.split(' ').includes(OFFLINE_ACCESS)
  );
}

/**
 * Qlik Cloud's per-client token durations: the range the management console accepts and its
 * default ({@link TOKEN_DURATION_HELP}, "Token duration values"): access tokens 15 to 1,440
 * minutes (default 360), refresh tokens 1 to 720 hours (default 720), whole numbers.
 */
export const ACCESS_TOKEN_MINUTES = { min: 15, max: 1440, default: 360 } as const;
export const REFRESH_TOKEN_HOURS = { min: 1, max: 720, default: 720 } as const;

/**
 * How long a client's access tokens live, in seconds: the tenant-wide test setting
 * `accessTokenTtlSeconds` when set, else the client's `accessTokenLifetimeMinutes` (default 360).
 */
export function accessTokenTtlSeconds(
  config: Pick<EmulatorConfig, 'accessTokenTtlSeconds'>,
  client: ClientConfig | undefined,
): number {
  return (
    config.accessTokenTtlSeconds ??
    (client?.accessTokenLifetimeMinutes ?? ACCESS_TOKEN_MINUTES.default) * 60
  );
}

/**
 * How long a client's refresh tokens live, in seconds: the tenant-wide test setting
 * `refreshTokenTtlSeconds` when set, else the client's `refreshTokenLifetimeHours` (default 720).
 */
export function refreshTokenTtlSeconds(
  config: Pick<EmulatorConfig, 'refreshTokenTtlSeconds'>,
  client: ClientConfig | undefined,
): number {
  return (
    config.refreshTokenTtlSeconds ??
    (client?.refreshTokenLifetimeHours ?? REFRESH_TOKEN_HOURS.default) * 3600
  );
}
