/**
 * `@qlik-auth/core/qlik-embed`: qlik-embed (`@qlik/embed-react`, `@qlik/embed-web-components`)
 * on a qlik-auth session. The host config it makes has qlik-embed take every token from a
 * {@link QlikAuth}: the access token for REST calls, the cached websocket-purpose token for the
 * engine socket, the webresource-purpose token for images; a 401 renews the session once for a
 * burst of refused calls; after sign-out nothing more is sent.
 *
 * How qlik-embed is told: it loads its runtime from the tenant (`<host>/qlik-embed/main.js`),
 * and that runtime authenticates through @qlik/api's auth modules, picked by the host config's
 * `authType` (in @qlik/api's published code: `getAuthModule`, which also looks an unknown
 * `authType` up as a global, `resolveGloballyDefinedAuthModule`). An `oauth2` host config with
 * `getAccessToken` would never hear why a token is asked for again: on a 401 the `oauth2` module
 * drops the token it cached and calls `getAccessToken` once more (its
 * `handleAuthenticationError`), with no status. An auth module is told: its
 * `handleAuthenticationError` gets `{ status: 401, canRetry }`. So the host config names an auth
 * module of qlik-auth's, published as a global under that name, which is also what the web
 * components' `data-auth-type` attribute can name.
 *
 * A separate entry point: the main entry does not contain it, and it imports nothing from
 * qlik-embed or @qlik/api.
 *
 * @example
 * import { createQlikAuth } from '@qlik-auth/core';
 * import { qlikEmbedHostConfig } from '@qlik-auth/core/qlik-embed';
 * import { QlikEmbed, QlikEmbedConfig } from '@qlik/embed-react';
 *
 * const auth = createQlikAuth({ host, clientId, redirectUri });
 * const hostConfig = qlikEmbedHostConfig(auth);
 * // <QlikEmbedConfig.Provider value={hostConfig}>
 * //   <QlikEmbed ui="analytics/chart" appId="..." objectId="..." />
 * // </QlikEmbedConfig.Provider>
 * @packageDocumentation
 */
import type { AuthModule } from '@qlik/api/auth';
import { authModuleFor } from './auth-module.js';
import { QlikAuthError } from './errors.js';
import { silentRenewal, type RenewalSeam } from './token-refusal.js';
import type { QlikAuth } from './types.js';

declare global {
  /**
   * Qlik's registry of auth types (a global interface of @qlik/api's, which qlik-embed's types
   * use too), so that a host config of `authType: 'qlik-auth'` type-checks as qlik-embed's
   * `HostConfig`. Another name you give `authType` goes here the same way.
   */
  interface QlikAuthModules {
    /** `authType: 'qlik-auth'`: an auth module of qlik-auth's; the host config needs only `host`. */
    'qlik-auth': { config: object };
  }
}

/**
 * The host config for qlik-embed: the value of `<QlikEmbedConfig.Provider>` (`@qlik/embed-react`),
 * or, for the web components, `host` and `authType` as the `data-host` and `data-auth-type`
 * attributes of their script tag (or of an ancestor, `data-qlik-embed-host`, ...).
 * @typeParam A - the auth type's name
 */
export interface QlikEmbedHostConfig<A extends string = 'qlik-auth'> {
  /** The tenant: the instance's `origin`. qlik-embed loads its runtime from here. */
  host: string;
  /**
   * The name of the qlik-auth auth module qlik-embed's runtime authenticates with (published as
   * a global of that name, for the runtime to find).
   */
  authType: A;
  /** Where qlik-embed loads its runtime from, if not from `host` (Qlik's `embedRuntimeUrl`). */
  embedRuntimeUrl?: string;
  /** Runtime modules by name (`embed-vanilla@v1`, ...) used instead of the tenant's: for tests. */
  runtimeModuleMocks?: Record<string, unknown>;
  /** Called by qlik-embed's runtime with an error that ends its authentication (Qlik's `onAuthFailed`). */
  onAuthFailed?: (error: { message: string }) => unknown;
}

/**
 * Options of {@link qlikEmbedHostConfig}.
 * @typeParam A - the auth type's name
 */
export interface QlikEmbedHostConfigOptions<A extends string = 'qlik-auth'> {
  /**
   * The name of the auth module, and of the global it is published as. Default `'qlik-auth'`,
   * the name `@qlik-auth/core/qlik-api` suggests for @qlik/api, with which qlik-embed shares its
   * runtime. Give each instance on a page a name of its own.
   */
  authType?: A;
  /** See {@link QlikEmbedHostConfig.embedRuntimeUrl}. */
  embedRuntimeUrl?: string;
  /** See {@link QlikEmbedHostConfig.runtimeModuleMocks}. */
  runtimeModuleMocks?: Record<string, unknown>;
  /** See {@link QlikEmbedHostConfig.onAuthFailed}. */
  onAuthFailed?: (error: { message: string }) => unknown;
}

/**
 * How the module renews after a 401: the instance's silent renewal. The re-authorization seam
 * ({@link RenewalSeam}): where a session that cannot be renewed silently gets `prompt=none`
 * re-authorization (popup or redirect) plugged in, for every qlik-embed on the page.
 */
const renewal: RenewalSeam = silentRenewal;

/** The instance each published name currently stands for. */
const bindings = new Map<string, { auth: QlikAuth; module: AuthModule }>();

/** A tenant as the host config names it (`tenant.eu.qlikcloud.com` or an origin), as an origin. */
function originOf(host: unknown): string | undefined {
  if (typeof host !== 'string' || !host.trim()) return undefined;
  const value = host.trim();
  try {
    return new URL(/^https?:\/\//i.test(value) ? value : `https://${value}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * The global published under `name`: the same object for the page's life, since qlik-embed's
 * runtime keeps the module it found the first time; it passes each call on to the instance the
 * name stands for now.
 */
function published(name: string): AuthModule {
  const bound = () => bindings.get(name)!;
  return {
    getRestCallAuthParams: (props) => bound().module.getRestCallAuthParams(props),
    getWebSocketAuthParams: (props) => bound().module.getWebSocketAuthParams(props),
    getWebResourceAuthParams: (props) => bound().module.getWebResourceAuthParams!(props),
    handleAuthenticationError: (props) => bound().module.handleAuthenticationError(props),
    // Runs before every call. The runtime sends the token wherever `host` points: a host config
    // off the instance's tenant gets nothing, and qlik-embed reports the error.
    validateHostConfig(hostConfig) {
      const { auth } = bound();
      const origin = originOf(hostConfig.host);
      if (origin !== auth.origin) {
        throw new QlikAuthError(
          'untrusted_url',
          `qlik-embed's host (${String(hostConfig.host)}) is not the tenant of this qlik-auth instance (${auth.origin}); no token is sent`,
        );
      }
      return true;
    },
  };
}

/**
 * The host config that has qlik-embed (`@qlik/embed-react` 2.4, `@qlik/embed-web-components`
 * 1.6) run on `auth`'s session, and the auth module it names, published as a global under
 * `authType` (default `'qlik-auth'`).
 *
 * - REST calls carry the access token as `Authorization: Bearer` (no cookies); the engine socket
 *   the cached `websocket` purpose token; images the `webresource` purpose token. Each is asked of
 *   the instance per call: always the current one, renewed ahead of expiry by the core.
 * - When the tenant answers 401, the call is retried once with a newer token: the one in hand if
 *   the session was renewed since, else one from a forced renewal shared by the refused calls of
 *   one burst.
 * - Without a session (signed out, or a renewal refused for good) every call rejects with the
 *   core's `QlikAuthError` (`not_signed_in`, `session_expired`) and sends nothing; qlik-embed shows
 *   its own error. Nothing navigates: the app's sign-in takes over.
 * - A host config whose `host` is not the instance's tenant gets no token (`untrusted_url`).
 *
 * Make it once per instance (at module scope, or with `useQlikEmbedHostConfig` of
 * `@qlik-auth/react/qlik-embed`): qlik-embed reloads what it shows when the object changes.
 * Calling it again with the same `authType` makes the name stand for the latest instance.
 * @param auth - the instance whose session qlik-embed should use
 * @param options - the module's name, and Qlik's own host config options to pass on
 * @returns the host config
 */
export function qlikEmbedHostConfig(
  auth: QlikAuth,
  options?: QlikEmbedHostConfigOptions,
): QlikEmbedHostConfig;
/**
 * The same with an auth type of your own name, which the host config's type carries (add the name
 * to the global `QlikAuthModules` interface for it to type-check as qlik-embed's `HostConfig`).
 * @param auth - the instance whose session qlik-embed should use
 * @param options - the module's name, and Qlik's own host config options to pass on
 * @returns the host config, typed with the auth type's name
 */
export function qlikEmbedHostConfig<A extends string>(
  auth: QlikAuth,
  options: QlikEmbedHostConfigOptions<A> & { authType: A },
): QlikEmbedHostConfig<A>;
export function qlikEmbedHostConfig<A extends string = 'qlik-auth'>(
  auth: QlikAuth,
  options: QlikEmbedHostConfigOptions<A> = {},
): QlikEmbedHostConfig<A> {
  const { authType = 'qlik-auth' as A, ...passed } = options;
  if (typeof authType !== 'string' || !/^[\w$-]+$/.test(authType)) {
    throw new QlikAuthError(
      'invalid_options',
      `authType must be a name of letters, digits, _, $ or -, not ${String(authType)}`,
    );
  }
  const scope = globalThis as Record<string, unknown>;
  const existing = scope[authType];
  if (existing !== undefined && !bindings.has(authType)) {
    throw new QlikAuthError(
      'invalid_options',
      `the global ${authType} is taken by something else; pick another authType`,
    );
  }
  bindings.set(authType, { auth, module: authModuleFor(auth, renewal) });
  if (existing === undefined) {
    Object.defineProperty(scope, authType, {
      value: published(authType),
      configurable: true,
      writable: false,
    });
  }
  return { host: auth.origin, authType, ...passed };
}
