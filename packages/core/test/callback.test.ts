import { describe, expect, it, vi } from 'vitest';
import { QlikAuthError } from '../src/index.js';
import { qlikError, type Fault } from './tenant.js';
import { rejectionOf, settled, setup, tick } from './helpers.js';

describe('handleRedirectCallback', () => {
  it('exchanges the code once and signs in', async () => {
    const { auth, tenant, signIn } = setup();
    await signIn(auth);
    expect(tenant.to('/oauth/token')).toHaveLength(1);
    expect(tenant.to('/oauth/token')[0]!.params.grant_type).toBe('authorization_code');
    expect(auth.getSnapshot()).toEqual({
      status: 'signedIn',
      expiresAt: Date.parse('2030-01-01T01:00:00.000Z'),
      scopes: ['user_default', 'offline_access'],
      // The name is no claim of Qlik's tokens: it comes from users/me, once, at sign-in.
      user: {
        subject: 'auth0|alice',
        id: 'user-alice',
        tenantId: 'emulator-tenant',
        name: 'Alice',
      },
      renewable: true,
    });
    expect(await auth.getToken()).toMatch(/^ey/);
    const [me] = tenant.to('/api/v1/users/me');
    expect(me!.headers.authorization).toBe(`Bearer ${await auth.getToken()}`);
  });

  it('keeps the user’s name through a reload, which asks users/me nothing', async () => {
    const { auth, tenant, signIn, create } = setup();
    await signIn(auth);
    expect((await settled(create())).user?.name).toBe('Alice');
    expect(tenant.to('/api/v1/users/me')).toHaveLength(1);
  });

  it('knows who signed in from users/me, with opaque tokens too (Qlik’s carry no identity)', async () => {
    const { auth, signIn } = setup({ tenant: { opaqueTokens: true } });
    await signIn(auth);
    expect(await auth.getToken()).toMatch(/^opaque-/);
    expect(auth.getSnapshot().user).toEqual({
      id: 'user-alice',
      subject: 'auth0|alice',
      tenantId: 'emulator-tenant',
      name: 'Alice',
    });
  });

  it('signs in without a user when users/me does not answer in 5 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { auth, tenant, signIn } = setup();
      tenant.failNext('/api/v1/users/me', () => new Promise<Response>(() => {}));
      let finished = false;
      const signedIn = signIn(auth).then(() => (finished = true));
      while (tenant.to('/api/v1/users/me').length === 0) await tick();
      for (let waited = 0; waited < 4900; waited += 100) {
        await vi.advanceTimersByTimeAsync(100);
        await tick();
      }
      expect(finished).toBe(false);
      expect(auth.getSnapshot().status).toBe('loading');
      await vi.advanceTimersByTimeAsync(100);
      await signedIn;
      // Who it is comes from users/me alone: the access token is not decoded for it.
      expect(auth.getSnapshot().status).toBe('signedIn');
      expect(auth.getSnapshot()).not.toHaveProperty('user');
      expect(auth.getSnapshot().userError).toMatchObject({
        code: 'timeout',
        message: 'users/me did not answer',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ['a 500', { status: 500, body: 'down' }, { code: 'server_error', status: 500 }],
    [
      'a 403 (a scope that does not allow it)',
      { status: 403, body: { errors: [{ code: 'HTTP-403', title: 'Forbidden' }] } },
      {
        code: 'request_rejected',
        status: 403,
        message: 'Forbidden',
        qlikErrors: [{ code: 'HTTP-403', title: 'Forbidden' }],
      },
    ],
    ['an HTML page', { status: 200, body: '<html>portal</html>' }, { code: 'invalid_response' }],
    ['a body without an id', { status: 200, body: { name: 'x' } }, { code: 'invalid_response' }],
    ['a dropped connection', 'drop', { code: 'network_error', retryable: true }],
  ] as [string, Fault, Record<string, unknown>][])(
    'signs in without a user, saying why, when users/me answers %s',
    async (_label, fault, why) => {
      const { auth, tenant, signIn, create } = setup();
      tenant.failNext('/api/v1/users/me', fault);
      await signIn(auth);
      const snapshot = auth.getSnapshot();
      expect(snapshot.status).toBe('signedIn');
      expect(snapshot).not.toHaveProperty('user');
      // Not the session's error: the session works; only who it is could not be learned.
      expect(snapshot.error).toBeUndefined();
      expect(snapshot.userError).toMatchObject(why);
      expect(typeof snapshot.userError!.message).toBe('string');
      // Stored with the session: a reload says the same, and asks users/me nothing.
      expect((await settled(create())).userError).toEqual(snapshot.userError);
      expect(tenant.to('/api/v1/users/me')).toHaveLength(1);
    },
  );

  it('takes code and state out of the address bar before the token request', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    history.replaceState({ router: 'kept' }, '', `${callbackUrl}&tab=2#section`);
    await auth.handleRedirectCallback();
    const [tokenRequest] = tenant.to('/oauth/token');
    expect(tokenRequest!.addressBar).toBe('http://localhost:3000/callback?tab=2#section');
    expect(location.href).toBe('http://localhost:3000/callback?tab=2#section');
    expect(history.state).toEqual({ router: 'kept' });
  });

  it('reads the current URL by default and accepts a string or URL', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    await auth.handleRedirectCallback(new URL(callbackUrl));
    expect(tenant.to('/oauth/token')).toHaveLength(1);
    expect(auth.getSnapshot().status).toBe('signedIn');
  });

  it('shares one exchange between concurrent calls (StrictMode, double effects)', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    history.replaceState(null, '', await callbackUrlFor(auth, {}));
    const calls = [
      auth.handleRedirectCallback(),
      auth.handleRedirectCallback(),
      auth.handleRedirectCallback(location.href),
    ];
    const results = await Promise.all(calls);
    expect(tenant.to('/oauth/token')).toHaveLength(1);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
  });

  it('answers a later call for the same URL with the same result, without a request', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    const first = await auth.handleRedirectCallback(callbackUrl);
    const again = await auth.handleRedirectCallback(callbackUrl);
    expect(again).toBe(first);
    expect(tenant.to('/oauth/token')).toHaveLength(1);
  });

  it('refuses a replayed callback URL after a reload, with no request', async () => {
    const { auth, tenant, create, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    await auth.handleRedirectCallback(callbackUrl);
    const requestsBefore = tenant.requests.length;
    const reloaded = create();
    const error = await rejectionOf(reloaded.handleRedirectCallback(callbackUrl));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({ code: 'transaction_not_found', retryable: false });
    expect(tenant.requests.length).toBe(requestsBefore);
  });

  it('lets only one of two instances (tabs) handling the same URL exchange the code', async () => {
    const { auth, tenant, create, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    const otherTab = create();
    const outcomes = await Promise.allSettled([
      auth.handleRedirectCallback(callbackUrl),
      otherTab.handleRedirectCallback(callbackUrl),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected!.reason.code).toBe('transaction_not_found');
    expect(tenant.to('/oauth/token')).toHaveLength(1);
  });

  it('refuses a forged state that this browser never issued, with no request, and no error shown', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = new URL(await callbackUrlFor(auth));
    callbackUrl.searchParams.set('state', 'forged-by-an-attacker');
    const requestsBefore = tenant.requests.length;
    const error = await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    expect(error.code).toBe('transaction_not_found');
    expect(tenant.requests.length).toBe(requestsBefore);
    // A crafted link says nothing about this browser's session: signing in starts afresh.
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
  });

  it('shows an unknown state as an error where storage cannot keep a sign-in (memory)', async () => {
    const { create } = setup();
    const auth = create({ storage: 'memory' });
    const forged = 'http://localhost:3000/callback?code=x&state=y';
    const error = await rejectionOf(auth.handleRedirectCallback(forged));
    expect(error.code).toBe('transaction_not_found');
    // Signing in again would come back to the same failure: say so instead of looping.
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut', error });
  });

  it('refuses a callback without state (RFC 6749 section 10.12)', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = new URL(await callbackUrlFor(auth));
    callbackUrl.searchParams.delete('state');
    const error = await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    expect(error.code).toBe('state_mismatch');
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });

  it('refuses a callback with two states', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = new URL(await callbackUrlFor(auth));
    callbackUrl.searchParams.append('state', 'second');
    expect((await rejectionOf(auth.handleRedirectCallback(callbackUrl))).code).toBe(
      'state_mismatch',
    );
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });

  it('refuses a page that is no callback at all', async () => {
    const { auth } = setup();
    history.replaceState(null, '', '/callback');
    expect((await rejectionOf(auth.handleRedirectCallback())).code).toBe('state_mismatch');
  });

  it('refuses a transaction older than 10 minutes, with no token request', async () => {
    const { auth, tenant, clock, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    clock.time += 10 * 60 * 1000 + 1;
    const error = await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    expect(error.code).toBe('transaction_expired');
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });

  it('accepts a transaction of exactly 10 minutes', async () => {
    // A tenant whose codes outlive the transaction, so that only the client's limit is tested.
    const { auth, clock, callbackUrlFor } = setup({ tenant: { authorizationCodeTtlSeconds: 900 } });
    const callbackUrl = await callbackUrlFor(auth);
    clock.time += 10 * 60 * 1000;
    await auth.handleRedirectCallback(callbackUrl);
    expect(auth.getSnapshot().status).toBe('signedIn');
  });

  it('uses a transaction once: an expired one is gone too', async () => {
    const { auth, clock, callbackUrlFor, create } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    clock.time += 11 * 60 * 1000;
    await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    clock.time -= 11 * 60 * 1000;
    expect((await rejectionOf(create().handleRedirectCallback(callbackUrl))).code).toBe(
      'transaction_not_found',
    );
  });

  it('turns an error redirect into an authorization_error with all its parameters', async () => {
    const { auth, tenant, callbackUrlFor } = setup();
    history.replaceState(null, '', await callbackUrlFor(auth, { deny: true }));
    const error = await rejectionOf(auth.handleRedirectCallback());
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({
      code: 'authorization_error',
      retryable: false,
      error: 'access_denied',
      errorDescription: 'the user denied access',
      errorCode: 'EMULATOR-ACCESS_DENIED',
      errorDetail: 'the user denied access',
      message: 'the user denied access',
    });
    expect(location.search).toBe('');
    expect(tenant.to('/oauth/token')).toHaveLength(0);
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut', error });
  });

  it('marks temporarily_unavailable error redirects as retryable', async () => {
    const { auth, callbackUrlFor } = setup();
    const callbackUrl = new URL(await callbackUrlFor(auth));
    callbackUrl.searchParams.delete('code');
    callbackUrl.searchParams.set('error', 'temporarily_unavailable');
    expect(await rejectionOf(auth.handleRedirectCallback(callbackUrl))).toMatchObject({
      code: 'authorization_error',
      error: 'temporarily_unavailable',
      retryable: true,
    });
  });

  it('ignores an error redirect whose state is not ours', async () => {
    const { auth } = setup();
    const forged =
      'http://localhost:3000/callback?error=access_denied&error_description=Call+0800-SCAM&state=x';
    const error = await rejectionOf(auth.handleRedirectCallback(forged));
    expect(error.code).toBe('transaction_not_found');
    expect(error.errorDescription).toBeUndefined();
  });

  it('keeps an existing session when a stale callback fails', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    const stale = 'http://localhost:3000/callback?code=old&state=old';
    const error = await rejectionOf(auth.handleRedirectCallback(stale));
    expect(error.code).toBe('transaction_not_found');
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn' });
    expect(auth.getSnapshot().error).toBeUndefined();
    expect(await auth.getToken()).toMatch(/^ey/);
  });
});

describe('token responses the callback refuses', () => {
  async function exchangeWith(response: Fault) {
    const { auth, tenant, callbackUrlFor } = setup();
    const callbackUrl = await callbackUrlFor(auth);
    tenant.failNext('/oauth/token', response);
    const error = await rejectionOf(auth.handleRedirectCallback(callbackUrl));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut', error });
    return error;
  }

  it('an HTML page is an invalid_response', async () => {
    const html = new Response('<!doctype html><h1>Gateway</h1>', {
      status: 200,
      headers: { 'content-type': 'text/html' },
    });
    expect(await exchangeWith(html)).toMatchObject({ code: 'invalid_response', retryable: false });
  });

  it('an empty body is an invalid_response', async () => {
    const empty = new Response('', {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
    expect(await exchangeWith(empty)).toMatchObject({ code: 'invalid_response', retryable: false });
  });

  it('a body without access_token is an invalid_response', async () => {
    const missing = Response.json({ token_type: 'bearer', expires_at: '2030-01-01T01:00:00.000Z' });
    expect(await exchangeWith(missing)).toMatchObject({ code: 'invalid_response' });
  });

  it('a body without token_type is an invalid_response', async () => {
    const missing = Response.json({ access_token: 'a', expires_at: '2030-01-01T01:00:00.000Z' });
    expect(await exchangeWith(missing)).toMatchObject({ code: 'invalid_response' });
  });

  it('a body without any expiry is an invalid_response', async () => {
    const missing = Response.json({ access_token: 'a', token_type: 'bearer' });
    expect(await exchangeWith(missing)).toMatchObject({ code: 'invalid_response' });
  });

  it('an unparseable expires_at is an invalid_response', async () => {
    const garbage = Response.json({ access_token: 'a', token_type: 'bearer', expires_at: 'soon' });
    expect(await exchangeWith(garbage)).toMatchObject({ code: 'invalid_response' });
  });

  it('a JSON array is an invalid_response', async () => {
    expect(await exchangeWith(Response.json([]))).toMatchObject({ code: 'invalid_response' });
  });

  it('an invalid token response never carries its tokens in the error', async () => {
    const wrongType = Response.json({
      access_token: 'leaked-access',
      refresh_token: 'leaked-refresh',
      token_type: 'mac',
      expires_in: 60,
    });
    const error = await exchangeWith(wrongType);
    expect(error.code).toBe('invalid_response');
    const seen = new WeakSet();
    const dump = JSON.stringify({ error, message: error.message, cause: error.cause }, (_k, v) =>
      typeof v === 'object' && v !== null ? (seen.has(v) ? undefined : (seen.add(v), v)) : v,
    );
    expect(dump).not.toContain('leaked');
  });

  it('a Qlik 401 invalid_grant body is an invalid_grant with the parsed errors[]', async () => {
    const error = await exchangeWith(
      qlikError(401, 'invalid_grant', 'the authorization code has expired'),
    );
    expect(error).toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      status: 401,
      error: 'invalid_grant',
      message: 'the authorization code has expired',
      qlikErrors: [
        {
          code: 'OAUTH-3',
          title: 'Invalid grant',
          detail: 'the authorization code has expired',
          status: '401',
          meta: { error: 'invalid_grant' },
        },
      ],
    });
  });

  it('an RFC 6749 400 invalid_grant body is an invalid_grant', async () => {
    const rfc = Response.json(
      { error: 'invalid_grant', error_description: 'code reused' },
      { status: 400 },
    );
    expect(await exchangeWith(rfc)).toMatchObject({
      code: 'invalid_grant',
      status: 400,
      message: 'code reused',
    });
  });

  it('a Qlik 403 (user disabled) is a request_rejected with its errors[]', async () => {
    const error = await exchangeWith(qlikError(403, 'access_denied', 'the user is disabled'));
    expect(error).toMatchObject({ code: 'request_rejected', status: 403, retryable: false });
    expect((error.qlikErrors as unknown[]).length).toBe(1);
  });

  it('a 500 is a retryable server_error', async () => {
    const error = await exchangeWith(
      Response.json(
        { errors: [{ code: 'HTTP-500', title: 'Internal server error' }] },
        { status: 500 },
      ),
    );
    expect(error).toMatchObject({ code: 'server_error', retryable: true, status: 500 });
  });

  it('a 502 HTML page is a retryable server_error', async () => {
    const html = new Response('<h1>Bad gateway</h1>', {
      status: 502,
      headers: { 'content-type': 'text/html' },
    });
    expect(await exchangeWith(html)).toMatchObject({
      code: 'server_error',
      retryable: true,
      status: 502,
    });
  });

  it('a dropped connection is a retryable network_error', async () => {
    const error = await exchangeWith('drop');
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});
