import type { Client } from 'oauth4webapi';
import { createCallbackHandler } from './callback.js';
import { classifyError } from './classify.js';
import { createDiscovery } from './discovery.js';
import { QlikAuthError } from './errors.js';
import { authorizedFetch, tenantUrl } from './fetch.js';
import { resolveOptions, type QlikAuthOptions } from './options.js';
import { createAuthorizationRequest } from './pkce.js';
import { safeReturnTo } from './return-to.js';
import type { Session } from './session.js';
import { createSessionPersistence } from './session-store.js';
import { openStore } from './storage.js';
import { revokeTokens } from './revocation.js';
import { createStateStore } from './store.js';
import { saveTransaction } from './transaction.js';
import { createTransport } from './transport.js';
import type { GetTokenOptions, QlikAuth, SignInOptions, SignOutOptions } from './types.js';
import { createVault } from './vault.js';

/**
 * Creates the client of one tenant and OAuth client. Starts restoring a stored session at once,
 * from storage only (no network request), so the state leaves `loading` quickly.
 * @see [RFC 8414 section 3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3) for discovery
 */
export function createQlikAuth(input: QlikAuthOptions): QlikAuth {
  const options = resolveOptions(input);
  const { now, warn, origin } = options;
  const client: Client = { client_id: options.clientId };
  const transport = createTransport(options);
  const discover = createDiscovery(options, transport);
  // A database of the library's own per tenant and client, never shared with the app's data.
  const store = openStore(options.storage, `qlik-auth:${origin}:${options.clientId}`, warn);
  const discarded = (name = 'session') =>
    warn(`discarded an unreadable ${name.split(':')[0]} record`);
  const vault = createVault(store, discarded);
  const persistence = createSessionPersistence(vault, discarded);
  const state = createStateStore({ status: 'loading' });
  const appOrigin = () =>
    options.redirectUri
      ? new URL(options.redirectUri).origin
      : typeof location === 'undefined'
        ? ''
        : location.origin;

  let session: Session | undefined;
  /** Bumped on every session change, so a restore that finishes late cannot undo a newer one. */
  let generation = 0;
  let destroyed = false;

  function publish(error?: QlikAuthError): void {
    if (destroyed) return;
    state.set(
      session
        ? {
            status: 'signedIn',
            expiresAt: session.expiresAt,
            scopes: session.scopes,
            ...(session.user ? { user: session.user } : {}),
            ...(error ? { error } : {}),
          }
        : { status: 'signedOut', ...(error ? { error } : {}) },
    );
  }

  function setSession(next: Session | undefined, error?: QlikAuthError): void {
    generation += 1;
    session = next;
    publish(error);
  }

  const storageFailed = (error: unknown) => warn((error as Error).message);

  // Restore from storage only: a reload makes no request. A session is kept while it can still
  // be used: its access token is live, or it has a refresh token (which outlives access tokens).
  let restoring: Promise<Session | undefined> | undefined = persistence.load().catch((error) => {
    storageFailed(error);
    return undefined;
  });
  const ready = restoring.then((stored) => {
    restoring = undefined;
    if (generation !== 0) return;
    if (stored && !stored.refreshToken && stored.expiresAt <= now()) {
      stored = undefined;
      persistence.clear().catch(storageFailed);
    }
    session = stored;
    publish(state.get().error);
  });

  async function endSession(error: QlikAuthError): Promise<never> {
    setSession(undefined, error);
    await persistence.clear().catch(storageFailed);
    throw error;
  }

  /**
   * Seam for the token lifecycle: this is where a refresh under a Web Lock will go. Until then an
   * expired token cannot be renewed, and a session without a refresh token is over.
   */
  async function renew(current: Session): Promise<string> {
    if (current.expiresAt > now()) {
      throw new QlikAuthError('unsupported', 'forceRefresh is not supported yet');
    }
    const expired = new QlikAuthError('token_expired', 'the access token has expired');
    if (!current.refreshToken && current === session) return endSession(expired);
    throw expired;
  }

  async function getToken({ purpose = 'access', forceRefresh = false }: GetTokenOptions = {}) {
    if (purpose !== 'access') {
      // Seam for purpose tokens (RFC 8693 exchange), cached per purpose.
      throw new QlikAuthError('unsupported', `${purpose} tokens are not supported yet`);
    }
    // The hot path: a live session in memory answers without storage, locks or timers.
    if (!session) await ready;
    const current = session;
    if (!current) throw new QlikAuthError('not_signed_in', 'not signed in');
    if (!forceRefresh && current.expiresAt > now()) return current.accessToken;
    return renew(current);
  }

  const handleCallback = createCallbackHandler({
    client,
    transport,
    vault,
    now,
    discover,
    async accept(next) {
      setSession(next);
      await persistence.save(next).catch(storageFailed);
    },
    fail: (error) => publish(error),
  });

  async function signIn(opts: SignInOptions = {}): Promise<void> {
    try {
      const { redirectUri } = options;
      if (!redirectUri) throw new QlikAuthError('invalid_options', 'invalid option: redirectUri');
      const returnTo = safeReturnTo(
        opts.returnTo ?? (typeof location === 'undefined' ? '/' : location.href),
        appOrigin(),
      );
      const request = await createAuthorizationRequest(await discover(), {
        ...opts,
        clientId: options.clientId,
        redirectUri,
        scopes: options.scopes,
      });
      await saveTransaction(vault, {
        state: request.state,
        codeVerifier: request.codeVerifier,
        redirectUri,
        scopes: options.scopes,
        returnTo,
        appState: opts.appState,
        createdAt: now(),
      });
      options.navigate(request.url);
    } catch (thrown) {
      const error = await classifyError(thrown);
      publish(error);
      throw error;
    }
  }

  async function signOut({ revoke = true, returnTo }: SignOutOptions = {}): Promise<void> {
    // Signed out at once, before any await: the UI must not keep showing a session being ended.
    const known = session;
    setSession(undefined);
    const old = known ?? (await restoring);
    await persistence.clear().catch(storageFailed);
    if (revoke && old) {
      try {
        await revokeTokens(await discover(), client, transport, old);
      } catch (thrown) {
        const error = await classifyError(thrown);
        warn(`signed out, but revoking the tokens failed (${error.code}): ${error.message}`);
      }
    }
    if (returnTo !== undefined) options.navigate(safeReturnTo(returnTo, appOrigin()));
  }

  return {
    subscribe: state.subscribe,
    getSnapshot: state.get,
    signIn,
    handleRedirectCallback: handleCallback,
    getToken,
    fetch: (request, init) =>
      authorizedFetch(options.fetch, origin, () => getToken(), request, init),
    async webSocketUrl(appId) {
      const url = new URL(`/app/${encodeURIComponent(appId)}`, origin);
      url.protocol = options.insecure ? 'ws:' : 'wss:';
      url.searchParams.set('accessToken', await getToken({ purpose: 'websocket' }));
      return url.href;
    },
    async webResourceUrl(resource) {
      const url = tenantUrl(resource, origin);
      url.searchParams.set('accessToken', await getToken({ purpose: 'webresource' }));
      return url.href;
    },
    signOut,
    destroy() {
      destroyed = true;
      state.clear();
    },
  };
}
