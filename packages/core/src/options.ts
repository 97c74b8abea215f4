import type { AuthorizationServer } from 'oauth4webapi';
import { QlikAuthError } from './errors.js';
import type { Session } from './session.js';
import { METHODS, type SessionStore } from './storage.js';

/**
 * What a silent renewal gets from its instance.
 * @internal
 */
export interface RenewalContext {
  /** Builds and stores a `prompt=none` request whose response is handed back to this window. */
  authorize(): Promise<{ url: string; state: string }>;
  /** Redeems a response URL: the new session, or the tenant's answer as an error. */
  redeem(responseUrl: string): Promise<Session | QlikAuthError>;
  /** Forgets the transaction of a request whose response will never come. */
  drop(state: string): Promise<void>;
}

/**
 * How a session without a refresh token renews itself without the user, for the `renewal`
 * option: made by `iframeRenewal()`. How it works is the core's own business.
 */
export interface SilentRenewal {
  /**
   * Given the session to renew and whether it may be kept while valid, resolves with the renewed
   * session, the session kept (marked not renewable) or the error that ends it; throws when no
   * answer came (a timeout), which is retried with backoff.
   * @internal
   */
  (context: RenewalContext, from: Session, keep: boolean): Promise<Session | QlikAuthError>;
}

/** RFC 8414 authorization server metadata, as `/.well-known/oauth-authorization-server` returns. */
export type AuthorizationServerMetadata = AuthorizationServer;

/** What `createQlikAuth` accepts. Only `host` and `clientId` are required. */
export interface QlikAuthOptions {
  /** The tenant: `tenant.eu.qlikcloud.com`, `https://tenant.eu.qlikcloud.com` or `http://localhost:8787`. */
  host: string;
  /** The OAuth client id of a single-page-app client registered on the tenant. */
  clientId: string;
  /** Absolute redirect URI registered on the client. Default: the current page without query. */
  redirectUri?: string;
  /**
   * Scopes to request. Default `['user_default']`. Add `offline_access` only for a native or web
   * client, or a tenant that issues refresh tokens: Qlik Cloud never gives one to a
   * single-page-app client, whose sessions are renewed by re-authorization instead.
   */
  scopes?: string[];
  /** Where sessions live. Default `'indexeddb'` (memory when IndexedDB is unavailable). */
  storage?: 'indexeddb' | 'memory' | SessionStore;
  /** The fetch to use for every request. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Known metadata of the tenant; skips discovery. Its `issuer` must be the host. */
  metadata?: AuthorizationServerMetadata;
  /** Leaves the page for the authorization endpoint. Default `location.assign`. */
  navigate?: (url: string) => void;
  /**
   * Seconds before expiry at which a token is renewed: `getToken()` never returns a token that
   * expires sooner. Shrinks to half the lifetime for tokens that live shorter. Default 60.
   */
  leewaySeconds?: number;
  /**
   * Refresh ahead of expiry on a timer, and retry failed refreshes in the background (RFC 6749
   * section 6). With `false`, tokens are refreshed only when `getToken()` needs one. Default true.
   */
  autoRefresh?: boolean;
  /** Random numbers in [0, 1) for the jitter of retries. Default `Math.random`. */
  random?: () => number;
  /** Receives non-fatal problems (storage fallback, failed revocation). Default `console.warn`. */
  onWarning?: (message: string) => void;
  /**
   * Keep the refresh token in storage (sealed), so that a reload or a new tab stays signed in.
   * With `false` it lives in this instance's memory only: nothing on disk can renew the session,
   * but a reload (or a new tab) restores nothing and must sign in again, and each tab holds a
   * grant of its own. A sign-out still ends the session in every tab. Default true.
   */
  persistRefreshToken?: boolean;
  /**
   * How a session without a refresh token (a single-page-app client's) is renewed without the
   * user: `iframeRenewal()` re-authorizes with `prompt=none` in a hidden iframe ahead of expiry,
   * for tenants that allow being framed. Without it, such a session can only be renewed with the
   * user: `reauthorizeWithPopup` from a click, or `reauthorize()` (a redirect).
   */
  renewal?: SilentRenewal;
  /**
   * Seconds before a session that cannot be renewed without the user ends at which the snapshot
   * says `ending: true`, so the app can offer to stay signed in. Default 300.
   */
  endingSeconds?: number;
}

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  /** The tenant origin, which is also the expected issuer (RFC 8414 section 3.3). */
  origin: string;
  clientId: string;
  redirectUri?: string;
  scopes: string[];
  storage: 'indexeddb' | 'memory' | SessionStore;
  fetch: typeof fetch;
  now: () => number;
  metadata?: AuthorizationServerMetadata;
  navigate: (url: string) => void;
  leewayMs: number;
  autoRefresh: boolean;
  random: () => number;
  warn: (message: string) => void;
  persistRefreshToken: boolean;
  renewal?: SilentRenewal;
  endingMs: number;
  /** True for an `http:` loopback host, where oauth4webapi must be told to allow plain HTTP. */
  insecure: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Throws `invalid_options` naming the option unless `ok`. */
function check(ok: unknown, option: string): void {
  if (!ok) throw new QlikAuthError('invalid_options', `invalid option: ${option}`);
}

/** `new URL` that answers undefined instead of throwing. */
export function parseUrl(value: unknown, base?: string): URL | undefined {
  try {
    return new URL(value as string, base);
  } catch {
    return undefined;
  }
}

/**
 * Turns what a user types as the tenant into an origin. A bare host name means HTTPS; plain HTTP
 * is accepted for loopback hosts only (a local emulator), since tokens must not cross the network
 * in the clear (RFC 6749 section 10.3).
 */
export function normalizeHost(host: unknown): string {
  const text = typeof host === 'string' ? host.trim() : '';
  const url = parseUrl(/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  check(
    text &&
      url &&
      // A bare origin: no path, query, fragment or credentials.
      url.href === `${url.origin}/` &&
      (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))),
    'host',
  );
  return url!.origin;
}

/** Validates options and applies defaults; throws `invalid_options` on anything unusable. */
export function resolveOptions(options: QlikAuthOptions): ResolvedOptions {
  const origin = normalizeHost(options?.host);
  const {
    clientId,
    scopes = ['user_default'],
    storage = 'indexeddb',
    leewaySeconds = 60,
    autoRefresh = true,
    persistRefreshToken = true,
    endingSeconds = 300,
    metadata,
  } = options;
  check(clientId && typeof clientId === 'string', 'clientId');
  // RFC 6749 section 3.3: scope tokens are printable ASCII without spaces.
  check(
    Array.isArray(scopes) && scopes.length && scopes.every((s) => /^[!-~]+$/.test(s)),
    'scopes',
  );
  check(
    storage === 'indexeddb' ||
      storage === 'memory' ||
      METHODS.slice(0, 4).every((m) => typeof storage?.[m] === 'function'),
    'storage',
  );
  for (const name of ['fetch', 'now', 'navigate', 'onWarning', 'random', 'renewal'] as const) {
    check(options[name] === undefined || typeof options[name] === 'function', name);
  }
  for (const [name, value] of [
    ['leewaySeconds', leewaySeconds],
    ['endingSeconds', endingSeconds],
  ] as const) {
    check(typeof value === 'number' && value >= 0 && value < Infinity, name);
  }
  // Read lazily so that importing, or creating an instance during SSR, touches no browser global.
  const redirectUri =
    options.redirectUri ?? (globalThis.location && location.origin + location.pathname);
  check(
    redirectUri === undefined || /^https?:$/.test(parseUrl(redirectUri)?.protocol ?? ''),
    'redirectUri',
  );
  // RFC 8414 section 3.3: metadata is only trusted for the issuer it names.
  check(!metadata || parseUrl(metadata.issuer)?.href === `${origin}/`, 'metadata');
  return {
    origin,
    clientId,
    redirectUri,
    scopes: [...scopes],
    storage,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    metadata,
    navigate: options.navigate ?? ((url) => location.assign(url)),
    leewayMs: leewaySeconds * 1000,
    autoRefresh,
    random: options.random ?? Math.random,
    warn: options.onWarning ?? ((message) => console.warn(`[qlik-auth] ${message}`)),
    persistRefreshToken,
    renewal: options.renewal,
    endingMs: endingSeconds * 1000,
    insecure: origin.startsWith('http:'),
  };
}
