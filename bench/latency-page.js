// Runs inside Chromium (bundled by latency.mjs). Each function measures one library's answer to
// "give me the current access token" when it already has a valid one, the call an app makes
// before every API request.
import { createQlikAuth } from '@qlik-auth/core';
import { UserManager } from 'oidc-client-ts';
import { createAuth0Client } from '@auth0/auth0-spa-js';

async function time(iterations, call) {
  for (let i = 0; i < 200; i += 1) await call(); // warm up the JIT
  const start = performance.now();
  let last;
  for (let i = 0; i < iterations; i += 1) last = await call();
  const micros = ((performance.now() - start) * 1000) / iterations;
  return { micros, sample: typeof last === 'string' ? last.slice(0, 12) : String(last) };
}

const config = () => window.benchConfig;

/**
 * The options of a client: the emulator's single-page app (`demo-spa`, no refresh token) or its
 * native client (`demo-native`, which asks for and gets one).
 */
const clientOf = (clientId = config().clientId) => ({
  ...config(),
  clientId,
  scopes: clientId === 'demo-native' ? ['user_default', 'offline_access'] : ['user_default'],
});

function oidcManager() {
  const { host, clientId, redirectUri } = config();
  return new UserManager({
    authority: host,
    client_id: clientId,
    redirect_uri: redirectUri,
    metadata: {
      issuer: host,
      authorization_endpoint: `${host}/oauth/authorize`,
      token_endpoint: `${host}/oauth/token`,
    },
  });
}

window.bench = {
  /** Completes a real sign-in against the emulator (autoApprove), then stays on this page. */
  async signIn(clientId) {
    const auth = createQlikAuth(clientOf(clientId));
    if (new URL(location.href).searchParams.has('code')) {
      await auth.handleRedirectCallback();
      return auth.getSnapshot().status;
    }
    await auth.signIn();
    return 'redirecting';
  },
  async baseline(iterations) {
    const session = { accessToken: 'plain-in-memory-token' };
    const get = async () => session.accessToken;
    return time(iterations, get);
  },
  async qlikAuthHot(iterations, clientId) {
    const auth = createQlikAuth(clientOf(clientId));
    await auth.getToken(); // restores from IndexedDB once
    return time(iterations, () => auth.getToken());
  },

  /** Puts a valid user where oidc-client-ts keeps it (sessionStorage, which a reload keeps). */
  oidcSeed() {
    const { host, clientId } = config();
    const now = Math.floor(Date.now() / 1000);
    sessionStorage.setItem(
      `oidc.user:${host}:${clientId}`,
      JSON.stringify({
        access_token: 'oidc-client-ts-token',
        token_type: 'bearer',
        scope: 'user_default',
        profile: { sub: 'u', iss: host, aud: clientId, exp: now + 3600, iat: now },
        expires_at: now + 3600,
      }),
    );
  },

  async oidcClientTs(iterations) {
    const manager = oidcManager();
    window.bench.oidcSeed();
    return time(iterations, async () => (await manager.getUser())?.access_token);
  },
  async auth0(iterations) {
    const { clientId } = config();
    const entries = new Map();
    const cache = {
      get: (key) => entries.get(key),
      set: (key, value) => void entries.set(key, value),
      remove: (key) => void entries.delete(key),
      allKeys: () => [...entries.keys()],
    };
    const scope = 'openid profile email offline_access';
    entries.set(`@@auth0spajs@@::${clientId}::default::${scope}`, {
      body: {
        access_token: 'auth0-spa-js-token',
        token_type: 'Bearer',
        expires_in: 3600,
        scope,
        audience: 'default',
        client_id: clientId,
        decodedToken: { claims: { __raw: 'x', sub: 'u' }, user: { sub: 'u' } },
      },
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    // auth0-spa-js answers from its cache only when the ID token is cached as well.
    entries.set(`@@auth0spajs@@::${clientId}::@@user@@`, {
      id_token: 'x',
      decodedToken: { claims: { __raw: 'x', sub: 'u' }, user: { sub: 'u' } },
    });
    const client = await createAuth0Client({
      domain: 'tenant.invalid',
      clientId,
      cache,
      useRefreshTokens: true,
    });
    return time(iterations, () => client.getTokenSilently({ cacheMode: 'cache-only' }));
  },
};
