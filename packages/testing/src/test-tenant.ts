import { createQlikAuth, type QlikAuth, type QlikAuthOptions } from '@qlik-auth/core';
import {
  createTenant,
  type EmulatedTenant,
  type EmulatorConfig,
  type UserConfig,
} from '@qlik-auth/emulator';
import { prepareTestEnvironment } from './environment.js';
import { completeLogin, type LoginChoice } from './login.js';

/** A user of the test tenant. Only `id` is required; the rest is made up from it. */
export interface TestUser {
  /** The user's id, which `signIn(id)` takes. */
  id: string;
  /** Display name. Default: the id. */
  name?: string;
  /** Subject (`sub` claim of the access tokens). Default `emulator|<id>`. */
  subject?: string;
  /** Default `<id>@example.com`. */
  email?: string;
  /** A disabled user can neither sign in nor refresh. */
  disabled?: boolean;
}

/** Settings of {@link createTestTenant}. All optional. */
export interface TestTenantConfig extends Partial<
  Omit<EmulatorConfig, 'users' | 'clients' | 'autoApprove'>
> {
  /** The tenant's users. Default: Ada Lovelace (`ada`) and Alan Turing (`alan`). */
  users?: TestUser[];
  /**
   * The tenant's origin, which clients use as `host`. A loopback origin, since that is what an
   * emulated tenant answers for. No socket is opened on it. Default `http://localhost:8787`.
   */
  origin?: string;
  /**
   * The type of the tenant's OAuth client, which decides what its clients get, as on Qlik Cloud:
   * an `spa` (the default, like a real single-page app) is never given `offline_access` or a
   * refresh token, so its session lasts as long as its access token; a `native` client (public,
   * PKCE) gets a refresh token when it asks for `offline_access` and refreshes. (`web` clients
   * are confidential, with a secret a browser client cannot keep: not offered here.)
   */
  appType?: 'spa' | 'native';
  /** The OAuth client id the signed-in clients use. Default `test-spa`, or `test-native`. */
  clientId?: string;
  /** The redirect URI registered for that client. Default `http://localhost/callback`. */
  redirectUri?: string;
  /**
   * Sign in without a login page: the `login_hint` user is signed in at once. Default true;
   * `authorize(url, { deny: true })` shows the page and denies either way.
   */
  autoApprove?: boolean;
  /**
   * The clock of the tenant and of every client it signs in, in epoch milliseconds. Default
   * `Date.now`, which fake timers (`vi.useFakeTimers()`, `jest.useFakeTimers()`) move.
   */
  now?: () => number;
}

/** Options of {@link TestTenant.signIn}. */
export interface TestSignInOptions {
  /** Options of the client, over the test defaults (memory storage, the tenant's `fetch`). */
  auth?: Partial<QlikAuthOptions>;
}

/**
 * An emulated Qlik Cloud tenant in the test's own process, and a way to get real signed-in
 * clients of it. Every control of the emulator's tenant is here too: faults on any path
 * (`addFault`), token lifetimes and session timeouts (`configure`), `revokeUser`, `disableUser`,
 * `endLoginSessions`, the request log, `reset`.
 *
 * It plays one browser: the tenant's login session cookie from a sign-in is kept and sent with
 * every later authorization request (`signIn`, `authorize`), so `prompt=none` signs in silently
 * while that session lives, and answers `login_required` once it ends (its timeouts,
 * `endLoginSessions`, `expireSession`).
 */
export interface TestTenant extends EmulatedTenant {
  /** The tenant's origin: the `host` of its clients. */
  readonly origin: string;
  /** The type of its OAuth client: `spa` (no refresh tokens) or `native`. */
  readonly appType: 'spa' | 'native';
  /** The OAuth client id its clients use. */
  readonly clientId: string;
  /** The redirect URI registered for that client. */
  readonly redirectUri: string;
  /**
   * The emulator's own handle of this tenant (`createTenant` of `@qlik-auth/emulator`), for what
   * takes one. (A `TestTenant` is one as well: `createHandlers` of `@qlik-auth/emulator/msw`
   * takes either.)
   */
  readonly emulator: EmulatedTenant;
  /**
   * The options of a client of this tenant: `host`, `clientId`, `redirectUri`, the tenant's
   * `fetch` and clock, memory storage, the scopes of its type (`offline_access` for a native client), and a `navigate` that goes nowhere. For a client you
   * create and sign in yourself (`createQlikAuth(tenant.clientOptions())`).
   */
  clientOptions(overrides?: Partial<QlikAuthOptions>): QlikAuthOptions;
  /**
   * A real `QlikAuth`, signed in as `userId`, its session in memory. It went through the whole
   * round trip: `signIn()` built the PKCE authorization request, the tenant's authorization
   * endpoint signed the user in (`login_hint`) and redirected back with a code, and
   * `handleRedirectCallback()` exchanged it for tokens. Its `fetch` goes straight to the tenant.
   * Rejects when the tenant has no such user, and with the tenant's error when it refuses them
   * (a disabled user).
   */
  signIn(userId: string, options?: TestSignInOptions): Promise<QlikAuth>;
  /**
   * The user's session ends at the tenant: their access tokens expire, their grants are revoked
   * (refresh tokens are refused) and their login sessions end (`prompt=none` answers
   * `login_required`). Then every client this tenant signed in as that user is asked for a new
   * token (`getToken({ forceRefresh: true })`), as its renewal would at expiry, and the promise
   * resolves once each has answered. Other users are untouched.
   *
   * Every such client becomes `signedOut` with a `session_expired` error: a `native` client's
   * refresh token is refused, and an `spa` client, which has none, has nothing to renew the
   * refused access token with (the core never hands a refused token back).
   */
  expireSession(userId: string): Promise<void>;
  /**
   * Ends the user's login sessions at the tenant, as a sign-out there or a session timeout
   * would: the next authorization request shows the login page, and one with `prompt=none` is
   * answered with `login_required`. Tokens already issued keep working. Returns how many
   * sessions ended.
   */
  endLoginSessions(userId: string): number;
  /**
   * The user's access tokens (and purpose tokens) expire now; their refresh tokens keep
   * working. API calls with an old token get 401, and a client refreshes and carries on.
   * Returns how many tokens expired.
   */
  expireAccessTokens(userId: string): number;
  /**
   * Plays the browser at the authorization endpoint for a client you signed in yourself: follows
   * the URL its `signIn()` navigated to, signs in (or denies), and returns the redirect back to
   * the app, for `handleRedirectCallback`. The tenant's login session cookie goes along, so a
   * `prompt=none` request signs in silently while the session lives; a denial is made on the
   * login page, without it.
   */
  authorize(authorizeUrl: string, choice?: LoginChoice): Promise<string>;
}

const DEFAULT_USERS: TestUser[] = [
  { id: 'ada', name: 'Ada Lovelace' },
  { id: 'alan', name: 'Alan Turing' },
];

/** Fills in what an emulator user needs and a test rarely cares about. */
function toUserConfig(user: TestUser): UserConfig {
  return {
    id: user.id,
    name: user.name ?? user.id,
    subject: user.subject ?? `emulator|${user.id}`,
    email: user.email ?? `${user.id}@example.com`,
    ...(user.disabled ? { disabled: true } : {}),
  };
}

/**
 * Creates an emulated Qlik Cloud tenant for a unit test, with nothing listening: no network,
 * no port, no browser. Its `signIn(userId)` returns a real, signed-in `@qlik-auth/core` client,
 * and its controls make it do what apps must handle: token expiry, a refused refresh, a revoked
 * user, a slow or failing network, an API answering 401.
 *
 * Works in Vitest and Jest, under happy-dom, jsdom or plain Node (it repairs what jsdom lacks:
 * see {@link prepareTestEnvironment}).
 *
 * @example
 * ```ts
 * const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
 * const auth = await tenant.signIn('ada'); // an spa client: no refresh token
 * render(<QlikAuthProvider auth={auth}><Dashboard /></QlikAuthProvider>);
 *
 * const native = createTestTenant({ appType: 'native' }); // a client that refreshes
 * const refreshing = await native.signIn('ada');
 * await native.expireSession('ada'); // its refresh is refused: it is signed out
 * ```
 */
export function createTestTenant(config: TestTenantConfig = {}): TestTenant {
  prepareTestEnvironment();
  const {
    users = DEFAULT_USERS,
    origin: host = 'http://localhost:8787',
    appType = 'spa',
    clientId = `test-${appType}`,
    redirectUri = 'http://localhost/callback',
    autoApprove = true,
    now = () => Date.now(),
    ...settings
  } = config;
  const origin = new URL(host).origin;
  const emulated = createTenant(
    {
      ...settings,
      autoApprove,
      clients: [{ clientId, appType, redirectUris: [redirectUri], allowedOrigins: [origin] }],
      users: users.map(toUserConfig),
    },
    { now },
  );
  // `fetch(input, init)` as a client calls it; relative URLs are the tenant's own.
  const fetch = ((input: string | URL | Request, init?: RequestInit) =>
    emulated.fetch(
      typeof input === 'string' ? new URL(input, origin) : input,
      init,
    )) as typeof globalThis.fetch;
  /** The clients this tenant signed in, by user id. */
  const signedIn = new Map<string, Set<QlikAuth>>();

  const clientOptions = (overrides: Partial<QlikAuthOptions> = {}): QlikAuthOptions => ({
    host: origin,
    clientId,
    redirectUri,
    storage: 'memory',
    fetch,
    now,
    navigate: () => {},
    // What such an app asks for: a native client's refresh token needs offline_access, which a
    // single-page app's scopes leave out (Qlik Cloud would not grant it).
    scopes: appType === 'native' ? ['user_default', 'offline_access'] : ['user_default'],
    ...overrides,
  });

  /**
   * The one browser the tenant's clients run in: its cookie for the tenant (the login session)
   * goes with every authorization request and is replaced by the one the tenant sets.
   */
  let sessionCookie: string | undefined;
  const browser = {
    config: () => emulated.config(),
    configure: (changes: { autoApprove?: boolean }) => emulated.configure(changes),
    async fetch(input: string | URL | Request, init?: RequestInit) {
      const request = new Request(input, init);
      // Set on the made Request: where Cookie is a forbidden header (happy-dom, as in a page),
      // a Request constructed with it drops it.
      if (sessionCookie) request.headers.set('cookie', sessionCookie);
      const response = await emulated.fetch(request);
      for (const header of response.headers.getSetCookie()) {
        sessionCookie = header.split(';')[0];
      }
      return response;
    },
  };

  const authorize = (authorizeUrl: string, choice?: LoginChoice) =>
    // Deny is a button on the login page, which a live session would skip.
    completeLogin(choice?.deny ? emulated : browser, authorizeUrl, choice);

  return {
    ...emulated,
    emulator: emulated,
    origin,
    appType,
    clientId,
    redirectUri,
    fetch,
    clientOptions,
    authorize,
    async signIn(userId, options = {}) {
      // An auto-approving tenant signs in its first user for an unknown hint: say so instead.
      if (!emulated.config().users.some((user) => user.id === userId)) {
        throw new Error(`createTestTenant: no user with id ${JSON.stringify(userId)}`);
      }
      let authorizeUrl: string | undefined;
      const auth = createQlikAuth(
        clientOptions({
          ...options.auth,
          navigate: (url) => void (authorizeUrl = url),
        }),
      );
      try {
        await auth.signIn({ loginHint: userId });
        if (!authorizeUrl) throw new Error('signIn() did not navigate to the tenant');
        await auth.handleRedirectCallback(await authorize(authorizeUrl, { user: userId }));
      } catch (error) {
        auth.destroy();
        throw error;
      }
      const clients = signedIn.get(userId) ?? new Set();
      signedIn.set(userId, clients.add(auth));
      return auth;
    },
    async expireSession(userId) {
      emulated.expireAccessTokens(userId);
      emulated.revokeUser(userId);
      emulated.endLoginSessions(userId);
      // What each client's refresh timer would do once its token has expired.
      await Promise.all(
        [...(signedIn.get(userId) ?? [])].map((auth) =>
          auth.getToken({ forceRefresh: true }).then(
            () => {},
            () => {},
          ),
        ),
      );
    },
  };
}
