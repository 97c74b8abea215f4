import { describe, expect, it } from 'vitest';
import { qlikError } from './tenant.js';
import { rejectionOf, setup } from './helpers.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The claims of a JWT, to see what the tenant issued. */
const claims = (token: string) =>
  JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
    purpose?: string;
  };

describe('purpose tokens (RFC 8693 token exchange)', () => {
  it.each(['websocket', 'webresource'] as const)(
    'exchanges the access token for a %s token',
    async (purpose) => {
      const { auth, signIn, tenant } = setup();
      await signIn(auth);
      const accessToken = await auth.getToken();
      const token = await auth.getToken({ purpose });
      expect(token).not.toBe(accessToken);
      expect(claims(token).purpose).toBe(purpose);
      const [exchange] = tenant.grants(TOKEN_EXCHANGE);
      expect(exchange!.params).toEqual({
        grant_type: TOKEN_EXCHANGE,
        client_id: tenant.clientId,
        subject_token: accessToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        purpose,
      });
    },
  );

  it('returns the access token for purpose: access', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    expect(await auth.getToken({ purpose: 'access' })).toBe(await auth.getToken());
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(0);
  });

  it('caches each purpose on its own, until shortly before it expires', async () => {
    // Purpose tokens live 300 s here: with the 60 s leeway, they are reused for 240 s.
    const { auth, signIn, tenant, clock } = setup();
    await signIn(auth);
    const socket = await auth.getToken({ purpose: 'websocket' });
    const resource = await auth.getToken({ purpose: 'webresource' });
    expect(resource).not.toBe(socket);
    clock.time = START + 239_999;
    expect(await auth.getToken({ purpose: 'websocket' })).toBe(socket);
    expect(await auth.getToken({ purpose: 'webresource' })).toBe(resource);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
    clock.time = START + 240_000;
    const next = await auth.getToken({ purpose: 'websocket' });
    expect(next).not.toBe(socket);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(3);
  });

  it('reuses a short-lived purpose token for half its life', async () => {
    const { auth, signIn, tenant, clock } = setup({ tenant: { purposeTokenTtlSeconds: 20 } });
    await signIn(auth);
    const token = await auth.getToken({ purpose: 'websocket' });
    clock.time = START + 9_999;
    expect(await auth.getToken({ purpose: 'websocket' })).toBe(token);
    clock.time = START + 10_000;
    expect(await auth.getToken({ purpose: 'websocket' })).not.toBe(token);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
  });

  it('makes one exchange per purpose for any number of concurrent callers', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        auth.getToken({ purpose: i % 2 ? 'websocket' : 'webresource' }),
      ),
    );
    expect(new Set(tokens).size).toBe(2);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
  });

  it('exchanges a fresh access token: refreshes first when the access token is due', async () => {
    const { auth, signIn, tenant, clock } = setup();
    await signIn(auth);
    clock.time = START + HOUR - 30_000;
    await auth.getToken({ purpose: 'websocket' });
    const [refresh] = tenant.grants('refresh_token');
    const [exchange] = tenant.grants(TOKEN_EXCHANGE);
    expect(refresh).toBeDefined();
    expect(tenant.requests.indexOf(refresh!)).toBeLessThan(tenant.requests.indexOf(exchange!));
    expect(exchange!.params.subject_token).toBe(await auth.getToken());
  });

  it('refreshes once and tries again when the tenant refuses the subject token (401)', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const stale = await auth.getToken();
    tenant.failNext('/oauth/token', qlikError(401, 'invalid_grant', 'subject_token is invalid'));
    const token = await auth.getToken({ purpose: 'webresource' });
    expect(claims(token).purpose).toBe('webresource');
    const exchanges = tenant.grants(TOKEN_EXCHANGE);
    expect(exchanges).toHaveLength(2);
    expect(exchanges[0]!.params.subject_token).toBe(stale);
    expect(exchanges[1]!.params.subject_token).not.toBe(stale);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('gives up after that one retry', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const refused = qlikError(401, 'invalid_grant', 'subject_token is invalid');
    // Exchange, refresh, exchange again.
    tenant.failNext('/oauth/token', refused, 'pass', refused);
    expect(await rejectionOf(auth.getToken({ purpose: 'websocket' }))).toMatchObject({
      status: 401,
      message: 'subject_token is invalid',
    });
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
    // The session itself is fine.
    expect(auth.getSnapshot().status).toBe('signedIn');
  });

  it('rejects without retrying on other failures, and keeps nothing in the cache', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/oauth/token', new Response('busy', { status: 503 }));
    expect(await rejectionOf(auth.getToken({ purpose: 'websocket' }))).toMatchObject({
      code: 'server_error',
      retryable: true,
    });
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(1);
    expect(await auth.getToken({ purpose: 'websocket' })).toMatch(/^ey/);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });

  it('exchanges again on forceRefresh: true', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken({ purpose: 'websocket' });
    const forced = await auth.getToken({ purpose: 'websocket', forceRefresh: true });
    expect(forced).not.toBe(first);
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
  });

  it('forgets purpose tokens at sign-out', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.getToken({ purpose: 'websocket' });
    await auth.signOut();
    expect((await rejectionOf(auth.getToken({ purpose: 'websocket' }))).code).toBe('not_signed_in');
    await signIn(auth);
    await auth.getToken({ purpose: 'websocket' });
    expect(tenant.grants(TOKEN_EXCHANGE)).toHaveLength(2);
  });

  it('rejects with not_signed_in and sends nothing without a session', async () => {
    const { auth, tenant } = setup();
    expect((await rejectionOf(auth.getToken({ purpose: 'webresource' }))).code).toBe(
      'not_signed_in',
    );
    expect(tenant.requests).toHaveLength(0);
  });
});

describe('webSocketUrl', () => {
  it('builds the engine URL of an app with a websocket token', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    const url = new URL(await auth.webSocketUrl('app-1'));
    expect(url.origin + url.pathname).toBe('wss://localhost:8787/app/app-1');
    expect(claims(url.searchParams.get('accessToken')!).purpose).toBe('websocket');
    expect(url.searchParams.get('accessToken')).toBe(await auth.getToken({ purpose: 'websocket' }));
  });

  it('uses ws: for a loopback http tenant, and encodes the app id', async () => {
    const { auth, signIn } = setup({ tenant: { origin: 'http://localhost:8787' } });
    await signIn(auth);
    const url = new URL(await auth.webSocketUrl('a/b?c'));
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe('localhost:8787');
    expect(url.pathname).toBe('/app/a%2Fb%3Fc');
  });
});

describe('webResourceUrl', () => {
  it('adds a webresource token to a tenant URL, keeping its query', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const url = await auth.webResourceUrl('/api/v1/apps/app-1/media/thumbnail?size=large');
    const parsed = new URL(url);
    expect(parsed.origin).toBe(tenant.origin);
    expect(parsed.searchParams.get('size')).toBe('large');
    expect(claims(parsed.searchParams.get('accessToken')!).purpose).toBe('webresource');
    // The tenant accepts it for the resource (as an <img src> would send it).
    expect((await tenant.fetch(url)).status).toBe(200);
  });
});
