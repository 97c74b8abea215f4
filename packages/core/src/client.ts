import type { Client } from 'oauth4webapi';
import { retryDelay } from './backoff.js';
import { createCallbackHandler, redeemResponse } from './callback.js';
import { classifyError } from './classify.js';
import { createDiscovery } from './discovery.js';
import { QlikAuthError } from './errors.js';
import { authorizedFetch, tenantUrl } from './fetch.js';
import { parseUrl, resolveOptions, type QlikAuthOptions, type RenewalContext } from './options.js';
import { createAuthorizationRequest, POPUP_STATE } from './pkce.js';
import { createPurposeTokens } from './purpose-tokens.js';
import { createRenewal, type RenewalOutcome } from './refresh.js';
import { safeReturnTo } from './return-to.js';
import { createScheduler, renewAt } from './schedule.js';
import { isSession, type AuthUser, type Session } from './session.js';
import { createSessionPersistence } from './session-store.js';
import { openStore } from './storage.js';
import { revokeTokens } from './revocation.js';
import { createStateStore, type AuthState } from './store.js';
import { openChannel, withLock, type TabMessage } from './tabs.js';
import { createGrant } from './token-endpoint.js';
import type { Internals } from './token-store.js';
import { dropTransaction, saveTransaction, sweepTransactions } from './transaction.js';
import { timeLimit } from './time-limit.js';
import { createTransport } from './transport.js';
import type { QlikAuth, SignInOptions, SignOutOptions, TokenPurpose } from './types.js';
import type { CallbackResult } from './callback.js';
import { createVault } from './vault.js';

const notSignedIn = () => new QlikAuthError('not_signed_in', 'not signed in');

/**
 * The record, shared by the tabs, of when a tab last left to re-authorize by redirect: for this
 * long after, the other tabs wait for its session instead of leaving too.
 */
const REAUTHORIZATION = 'reauth';
const REAUTHORIZATION_WAIT_MS = 30_000;
/**
 * A session that ends this soon after it began is not re-authorized (a clock, or a tenant, that
 * ends every session at once would make that a loop of redirects).
 */
const REAUTHORIZATION_FLOOR_MS = 10_000;

/**
 * Creates the client of one tenant and OAuth client. Starts restoring a stored session at once,
 * from storage only (no network request), so the state leaves `loading` quickly.
 * @see [RFC 8414 section 3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3) for discovery
 */
export function createQlikAuth(input: QlikAuthOptions): QlikAuth {
  const options = resolveOptions(input);
  const { now, warn, origin, leewayMs } = options;
  const client: Client = { client_id: options.clientId };
  const transport = createTransport(options);
  const discover = createDiscovery(options, transport);
  // One name for the database, the Web Lock and the BroadcastChannel of this tenant and client:
  // a database of the library's own, never shared with the app's data.
  const name = `qlik-auth:${origin}:${options.clientId}`;
  /** True when storage cannot keep a sign-in across a page load (memory only). */
  let volatile = options.storage === 'memory';
  // The store warns when it falls back to memory, which is then all there is.
  const store = openStore(options.storage, name, (message) => {
    volatile = true;
    warn(message);
  });
  const discarded = (record = 'session') =>
    warn(`discarded an unreadable ${record.split(':')[0]} record`);
  const vault = createVault(store, discarded);
  const persistence = createSessionPersistence(vault, discarded, options.persistRefreshToken);
  // Restoring starts before the rest is set up: on a page load, storage is the slow part.
  const restoring = persistence.load();
  const state = createStateStore<AuthState>({ status: 'loading' });
  const locked = <T>(task: () => Promise<T>) => withLock(name, task);
  const channel = openChannel(name, () => void sync());
  // The redirect URI is on the app (by default it is this page).
  const appOrigin = () => parseUrl(options.redirectUri)?.origin ?? '';
  const online = () => globalThis.navigator?.onLine !== false;
  /** A re-authorization without the user may be tried for this session. */
  const silently = (current: Session) => !!options.renewal && !current.unrenewable;
  /** The session can be renewed without the user (what the snapshot's `renewable` says). */
  const renewable = (current: Session) => !!current.refreshToken || silently(current);
  /**
   * When a session needs renewing: ahead of expiry, or at expiry when it cannot be renewed. A
   * silent re-authorization goes early enough that, refused, the session's end is still announced
   * in full (`endingSeconds` ahead).
   */
  const dueAt = (current: Session) =>
    current.refreshToken
      ? renewAt(current, leewayMs)
      : silently(current)
        ? renewAt(current, leewayMs + options.endingMs)
        : current.expiresAt;
  /** When a session that only the user can renew starts to be announced as ending. */
  const endingAt = (current: Session) =>
    renewable(current) ? Infinity : current.expiresAt - options.endingMs;

  const storageFailed = (failure: unknown) => warn((failure as Error).message);
  /** The wait the tenant asked for: no token request before (a 429's `Retry-After`). */
  const hold = { until: 0 };
  const grant = createGrant(discover, client, transport, now, hold);
  /** What redeeming an authorization response takes. */
  const deps = { client, grant, vault, now, discover };

  let session: Session | undefined;
  /** What the snapshot shows as `error`. */
  let error: QlikAuthError | undefined;
  /** Bumped on every session change, so a restore or a sync that finishes late cannot undo a newer one. */
  let generation = 0;
  let destroyed = false;
  /** The refresh in flight in this tab: every caller shares it. */
  let inflight: Promise<Session> | undefined;
  /** How many refreshes failed in a row (the last one is `error`), and when the next may start. */
  let failures = 0;
  let retryAt = 0;
  /** A refresh runs, or is due and will be tried again (`refreshing` in the snapshot). */
  let pending = false;
  /** Redirect callbacks being finished: without a session, the state is `loading` meanwhile. */
  let finishing = 0;
  /** The page is leaving for the tenant's login, after a re-authorization that needs the user. */
  let leaving = false;
  /** Token stores reading the access token: while any, it is renewed ahead of expiry. */
  let readers = 0;
  /** When the last session of this instance began (its token response arrived). */
  let began = -Infinity;

  function publish(): void {
    if (destroyed) return;
    state.set(
      session
        ? {
            status: 'signedIn',
            expiresAt: session.expiresAt,
            scopes: session.scopes,
            ...(session.user && { user: session.user }),
            ...(session.userError && { userError: session.userError }),
            ...(error && { error }),
            ...(pending && { refreshing: true, ...(!online() && { offline: true }) }),
            renewable: renewable(session),
            ...(now() >= endingAt(session) && { ending: true }),
          }
        : finishing || leaving
          ? { status: 'loading' }
          : { status: 'signedOut', ...(error && { error }) },
    );
  }

  /** The one place where the session changes; `reason` is the error to show. */
  function setSession(next: Session | undefined, reason?: QlikAuthError): void {
    generation += 1;
    // Purpose tokens belong to a grant: another user's session, or a new sign-in, drops them.
    // (Not a restore: exchanges waiting for it are for the session it brings.)
    if (session && next?.grant !== session.grant) purposeTokens.clear();
    began = session?.issuedAt ?? began;
    session = next;
    error = reason;
    failures = retryAt = 0;
    pending = false;
    publish();
    plan();
  }

  /** Makes what storage (or a renewal) says current; returns the session, if any. */
  function apply(outcome: RenewalOutcome): Session | undefined {
    if (!outcome || outcome instanceof QlikAuthError) {
      if (session) setSession(undefined, outcome);
      return;
    }
    if (
      outcome.accessToken !== session?.accessToken ||
      outcome.unrenewable !== session?.unrenewable
    ) {
      setSession(outcome);
    }
    return session;
  }

  /** Another tab changed the stored session: read it, under the lock, and follow. */
  function sync(): Promise<unknown> {
    const seen = generation;
    return locked(() => persistence.load()).then((stored) => {
      if (seen !== generation) return; // this tab changed the session since: it knows better
      apply(stored);
    }, storageFailed);
  }

  /** When the timer should next look: the renewal time, or later while backing off. */
  const nextCheck = (current: Session) => Math.max(dueAt(current), retryAt);

  /** Renewing ahead of expiry is wanted: by the options, or by someone reading the access token. */
  const renewing = () => options.autoRefresh || readers > 0;

  /** Points the timer at the next time something may be due. */
  function plan(): void {
    const ending = session ? endingAt(session) : Infinity;
    scheduler.at(
      destroyed
        ? Infinity
        : Math.min(
            session && renewing() ? nextCheck(session) : Infinity,
            // Not yet announced as ending: the timer announces it.
            ending > now() ? ending : Infinity,
          ),
    );
  }

  /** What the timer, a visible page or the network coming back runs: renew what is due. */
  function check(): void {
    // The session may have begun to end.
    publish();
    // A refresh in flight plans the next check when it ends (planning now would spin on its due time).
    if (!session || inflight) return;
    if (!renewing() || now() < nextCheck(session)) return plan();
    if (online()) {
      refresh().catch(() => {});
    } else {
      // Offline: no request can succeed; the `online` event brings us back here.
      pending = true;
      publish();
    }
  }

  /** What the app's `renewal` (a hidden frame) needs of this instance. */
  const renewal = options.renewal;
  const context: RenewalContext = {
    authorize: () => authorize({ prompt: 'none' }, true),
    async redeem(url) {
      const [, outcome] = await redeemResponse(deps, new URL(url).searchParams);
      // A sign-in like any other: who it is comes from the tenant again.
      if (!(outcome instanceof QlikAuthError)) await addUser(outcome);
      return outcome;
    },
    drop: (state) => dropTransaction(vault, state),
  };

  const renew = createRenewal(
    persistence,
    grant,
    hold,
    renewal && ((from, keep) => renewal(context, from, keep)),
    now,
    dueAt,
    channel.post,
    storageFailed,
  );
  const scheduler = createScheduler(now, check, () => {
    retryAt = 0;
    check();
  });

  /**
   * Renews the session, one renewal at a time in this tab (callers share it) and, through the
   * lock, in all tabs. A retryable failure keeps the session and sets the time of the next try.
   */
  function refresh(refused?: string): Promise<Session> {
    if (inflight) {
      // Joined, unless it hands back the very token the tenant refused: then renewed for good.
      const joined = inflight;
      return refused
        ? joined.then((next) => (next.accessToken === refused ? refresh(refused) : next))
        : joined;
    }
    const from = session!;
    inflight = (async () => {
      try {
        const outcome = await locked(() => renew(from, from.accessToken === refused));
        // Signed out or in again in this tab meanwhile: that is the session now.
        const next = session === from ? apply(outcome) : session;
        if (!next) throw outcome instanceof QlikAuthError ? outcome : notSignedIn();
        pending = false;
        publish();
        return next;
      } catch (thrown) {
        const reason = await classifyError(thrown);
        if (session === from) {
          error = reason;
          // Still refreshing when the timer will try again; else up to the next getToken().
          pending = renewing();
          failures += 1;
          // Never sooner than the tenant asked (a 429's `Retry-After`).
          retryAt =
            now() + Math.max(retryDelay(failures, options.random), reason.retryAfter! * 1000 || 0);
          publish();
        }
        throw reason;
      } finally {
        inflight = undefined;
        plan();
      }
    })();
    // Listeners hear of the refresh only once it is in flight, so a getToken() they call joins it.
    pending = true;
    publish();
    return inflight;
  }

  /**
   * The access token, valid for at least the leeway. The hot path (a fresh token in memory)
   * touches no storage, lock or timer.
   */
  async function accessToken(force?: boolean): Promise<string> {
    if (!session) await ready;
    const current = session;
    if (!current) throw notSignedIn();
    if (!force && now() < dueAt(current)) return current.accessToken;
    try {
      // Backing off after a failure, or offline: no request now.
      if (!force && !inflight && current.refreshToken && (now() < retryAt || !online())) {
        throw (
          (failures && error) || new QlikAuthError('network_error', 'offline', { retryable: true })
        );
      }
      return (await refresh(force ? current.accessToken : undefined)).accessToken;
    } catch (reason) {
      // A failed refresh is no failure while the token in hand is still valid.
      if (!force && session === current && current.expiresAt > now()) return current.accessToken;
      throw reason;
    }
  }

  const purposeTokens = createPurposeTokens(
    grant,
    accessToken,
    now,
    (token) => now() < renewAt(token, leewayMs),
  );

  // Restore from storage only: a reload makes no request. A session is kept while it can still
  // be used: its access token is live, or it has a refresh token (which outlives access tokens).
  const ready = restoring.catch(storageFailed).then((stored) => {
    if (generation) return; // a sign-in or another tab was faster
    const usable = isSession(stored) && (stored.refreshToken || stored.expiresAt > now());
    setSession(usable ? stored : undefined, error);
    if (stored && !usable) persistence.clear().catch(storageFailed);
  });
  // Off the hot path: in a task of its own once restored, so that a first getToken() waiting for
  // the restore resolves before the sweep's storage calls are even started.
  let sweep: ReturnType<typeof setTimeout> | undefined;
  ready.then(
    () => {
      if (!destroyed)
        sweep = setTimeout(() => sweepTransactions(vault, store, now()).catch(() => {}));
    },
    () => {},
  );

  /**
   * Adds who is signed in, from `users/me` (Qlik's access tokens say nothing of it): one request
   * per sign-in, none on a reload or a refresh. The sign-in does not depend on it: a failure, a
   * refusal (a scope that does not allow it) or 5 s without an answer leave the user out and
   * say why, as `userError`, stored with the session.
   */
  async function addUser(next: Session): Promise<void> {
    try {
      // A time limit, not an AbortSignal: a test environment's AbortSignal (jsdom's) is not
      // always one its Request accepts.
      const response = await timeLimit(
        // The instance's own authorized fetch, on this token: the session is not current yet.
        // (It follows the tenant's redirect to /api/v1/users/{id}, on its own origin.)
        authorizedFetch(options.fetch, origin, async () => next.accessToken, '/api/v1/users/me'),
        5000,
        new QlikAuthError('timeout', 'users/me did not answer'),
      );
      // A refusal is classified like a token endpoint's: status and Qlik's `errors[]`.
      if (!response.ok) throw Error('users/me failed', { cause: response });
      const me = await response.json();
      if (typeof me?.id !== 'string') throw Error('users/me has no id');
      next.user = Object.fromEntries(
        ['id', 'subject', 'tenantId', 'name'].flatMap((field) =>
          typeof me[field] === 'string' ? [[field, me[field]]] : [],
        ),
      ) as unknown as AuthUser;
    } catch (thrown) {
      const failed = await classifyError(thrown);
      // Plain data, as stored (the message is no own enumerable field of an Error).
      next.userError = { ...failed, message: failed.message };
    }
  }

  const handleCallback = createCallbackHandler({
    ...deps,
    async accept(next) {
      await addUser(next);
      // Stored before it is shown: a reload right after `signedIn` must find the session.
      await locked(() => persistence.save(next)).catch(storageFailed);
      setSession(next);
      channel.post('session');
    },
    restart(transaction) {
      // The page leaves for the login page: no guard may start a sign-in of its own meanwhile.
      leaving = true;
      return signIn({ returnTo: transaction.returnTo, appState: transaction.appState });
    },
    fail(reason) {
      // A state this browser never issued (a link from elsewhere, a replay, another tab's
      // callback) says nothing about the session here: signing in starts afresh. Unless storage
      // cannot keep a sign-in across the redirect, where signing in again would end here again.
      if (reason.code !== 'transaction_not_found' || volatile) error = reason;
      publish();
    },
  });

  /** `url` with `accessToken=<purpose token>` (Qlik's query parameter for these tokens). */
  async function withToken(url: URL, purpose: TokenPurpose): Promise<string> {
    url.searchParams.set('accessToken', await purposeTokens.get(purpose));
    return url.href;
  }

  /**
   * Builds an authorization request (PKCE, `state`) and stores its transaction, for the page to
   * leave for, a popup, or a renewal frame (`handOff`: the response is handed to this window).
   */
  async function authorize(
    opts: SignInOptions & { fallback?: boolean },
    handOff?: boolean,
  ): Promise<{ url: string; state: string }> {
    const { redirectUri } = options;
    if (!redirectUri) throw new QlikAuthError('invalid_options', 'invalid option: redirectUri');
    const returnTo = safeReturnTo(opts.returnTo ?? globalThis.location?.href ?? '/', appOrigin());
    const request = await createAuthorizationRequest(await discover(), {
      ...opts,
      clientId: options.clientId,
      redirectUri,
      scopes: options.scopes,
      popup: handOff,
    });
    await saveTransaction(vault, {
      state: request.state,
      codeVerifier: request.codeVerifier,
      redirectUri,
      scopes: options.scopes,
      returnTo,
      appState: opts.appState,
      ...(opts.fallback && { fallback: true }),
      createdAt: now(),
    });
    return request;
  }

  /**
   * `open`: for `signInWithPopup`, which opens the authorization URL in its popup (and listens on
   * the channel `name`) instead of navigating this page. `fallback`: a re-authorization, which
   * goes on to the interactive login when the tenant wants the user. True once on its way; false
   * when another tab's re-authorization will bring the session.
   */
  async function signIn(
    opts: SignInOptions & { fallback?: boolean } = {},
    open?: (url: string, channelName: string) => void,
  ): Promise<boolean> {
    const held = session;
    try {
      if (opts.fallback && (await locked(() => othersRenew(held)))) return false;
      const { url } = await authorize(opts, !!open);
      if (open) open(url, name);
      else options.navigate(url);
      return true;
    } catch (thrown) {
      error = await classifyError(thrown);
      leaving = false;
      publish();
      throw error;
    }
  }

  /**
   * Before a re-authorization by redirect leaves, under the lock: true when it must not, because
   * another tab left to re-authorize moments ago (every tab adopts the session it brings when it
   * is stored). The first to leave says so in storage. Throws when the session ended as it began,
   * which would loop.
   */
  async function othersRenew(held: Session | undefined): Promise<unknown> {
    if (!held && now() - began < REAUTHORIZATION_FLOOR_MS) {
      throw new QlikAuthError('interaction_required', 'the session ended as it began');
    }
    const since = now() - ((await vault.read(REAUTHORIZATION).catch(() => 0)) as number);
    if (since >= 0 && since < REAUTHORIZATION_WAIT_MS) {
      return true;
    }
    await vault.write(REAUTHORIZATION, now());
  }

  async function signOut({ revoke = true, returnTo }: SignOutOptions = {}): Promise<void> {
    // Signed out at once, before any await: the UI must not keep showing a session being ended.
    const known = session;
    const purpose = purposeTokens.clear();
    setSession(undefined);
    // Under the lock, so that a refresh in another tab finishes first and its tokens are the
    // ones revoked, and no refresh stores a session after this.
    const stored = await locked(async () => {
      const latest = await persistence.load().catch(() => known);
      await persistence.clear();
      return latest;
    }).catch(storageFailed);
    channel.post('signedOut');
    const old = isSession(stored) ? stored : known;
    if (revoke && old) {
      try {
        await revokeTokens(await discover(), client, transport, [
          [old.refreshToken, 'refresh_token'],
          [old.accessToken, 'access_token'],
          ...purpose.map((token): [string, string] => [token, 'access_token']),
        ]);
      } catch (thrown) {
        const failed = await classifyError(thrown);
        warn(`signed out, but revoking the tokens failed (${failed.code}): ${failed.message}`);
      }
    }
    if (returnTo !== undefined) options.navigate(safeReturnTo(returnTo, appOrigin()));
  }

  const instance: QlikAuth & { internals(): Internals } = {
    origin,
    subscribe: state.subscribe,
    getSnapshot: state.get,
    // Resolves with whether it is on its way (for reauthorize): void to the public.
    signIn: signIn as unknown as QlikAuth['signIn'],
    reauthorize: (opts) => signIn({ ...opts, prompt: 'none', fallback: true }),
    /**
     * `opener`: the response of a popup sign-in, handed over to the page that opened the popup,
     * which exchanges it; `quiet`: a failure is the popup's to report, not the snapshot's. Without it, such a response (its `state` says so) is handed over, not
     * exchanged: this page is the popup.
     */
    handleRedirectCallback(
      url?: string | URL,
      opener?: boolean,
      quiet?: boolean,
    ): Promise<CallbackResult> {
      const href = String(url ?? globalThis.location?.href);
      finishing += 1;
      publish();
      if (!opener && parseUrl(href)?.searchParams.get('state')?.endsWith(POPUP_STATE)) {
        // To the window that started the sign-in: the popup's opener, or the renewal frame's
        // parent (a page that has neither is its own parent, which listens to nothing). Exact
        // origin: only a window of this app may read the response. Also on the channel, for an
        // opener the popup lost (a Cross-Origin-Opener-Policy on the way).
        (globalThis.opener ?? globalThis.parent)?.postMessage(href, location.origin);
        channel.post(href as TabMessage);
        // The code leaves the address bar, then the popup closes; meanwhile the state stays
        // `loading`. Not after an error: the opener may send this same popup on to the login
        // page (it closes it otherwise).
        history.replaceState(null, '', location.pathname);
        if (!parseUrl(href)?.searchParams.has('error')) close();
        // Still here a second later: the browser kept the window open (a user can open the link
        // in a tab of their own, which script may not close). It has no session to wait for.
        setTimeout(() => {
          finishing -= 1;
          publish();
        }, 1000);
        return Promise.resolve({});
      }
      return handleCallback(href, quiet).finally(() => {
        finishing -= 1;
        publish();
      });
    },
    getToken: ({ purpose, forceRefresh } = {}) =>
      purpose && purpose !== 'access'
        ? purposeTokens.get(purpose, forceRefresh)
        : accessToken(forceRefresh),
    fetch: (request, init) =>
      authorizedFetch(
        options.fetch,
        origin,
        // After a 401: a newer token if this tab has one, else a forced refresh.
        (rejected) => accessToken(!!rejected && rejected === session?.accessToken),
        request,
        init,
      ),
    // https: becomes wss:, and http: (a loopback emulator) ws:.
    webSocketUrl: (appId) =>
      withToken(
        new URL(`/app/${encodeURIComponent(appId)}`, origin.replace('http', 'ws')),
        'websocket',
      ),
    // tenantUrl throws first: no token is asked for a URL off the tenant.
    webResourceUrl: async (resource) => withToken(tenantUrl(resource, origin), 'webresource'),
    signOut,
    /** For `tokenStore` (not part of the public type). */
    internals: (): Internals => ({
      peek: (purpose) =>
        session ? (purpose === 'access' ? session : purposeTokens.peek(purpose)) : null,
      watch(count) {
        readers += count;
        plan();
      },
      options,
    }),
    destroy() {
      destroyed = true;
      state.clear();
      scheduler.stop();
      clearTimeout(sweep);
      channel.close();
    },
  };
  return instance;
}
