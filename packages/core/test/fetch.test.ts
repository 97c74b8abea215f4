import { describe, expect, it } from 'vitest';
import { QlikAuthError } from '../src/index.js';
import { rejectionOf, setup } from './helpers.js';

describe('fetch', () => {
  it('sends the access token as Bearer to a tenant-relative path (RFC 6750 section 2.1)', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const response = await auth.fetch('/api/v1/users/me');
    expect(response.status).toBe(200);
    const [request] = tenant.to('/api/v1/users/me');
    expect(request!.url).toBe(`${tenant.origin}/api/v1/users/me`);
    expect(request!.headers.authorization).toBe(`Bearer ${await auth.getToken()}`);
  });

  it('resolves a relative path against the tenant, not the page', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.fetch('api/v1/users/me?x=1');
    expect(tenant.requests.at(-1)!.url).toBe(`${tenant.origin}/api/v1/users/me?x=1`);
  });

  it('sends the token to an absolute URL on the tenant, keeping the caller’s headers and init', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.fetch(new URL(`${tenant.origin}/api/v1/items`), {
      method: 'POST',
      headers: { 'x-trace': 'abc' },
      body: 'a=1',
    });
    const request = tenant.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', params: { a: '1' } });
    expect(request.headers['x-trace']).toBe('abc');
    expect(request.headers.authorization).toMatch(/^Bearer ey/);
  });

  it('accepts a Request for the tenant', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.fetch(
      new Request(`${tenant.origin}/api/v1/users/me`, { headers: { accept: 'application/json' } }),
    );
    const request = tenant.requests.at(-1)!;
    expect(request.headers.authorization).toMatch(/^Bearer ey/);
    expect(request.headers.accept).toBe('application/json');
  });

  it.each([
    ['another origin', 'https://evil.example/api/v1/users/me'],
    ['a protocol-relative URL', '//evil.example/api'],
    ['a look-alike host', 'https://localhost.evil.example/api'],
    ['the tenant over http', 'http://localhost:8787/api/v1/users/me'],
    ['the tenant on another port', 'https://localhost:8443/api'],
    ['credentials that hide another host', 'https://localhost:8787@evil.example/api'],
    ['a backslash that browsers read as a slash', '/\\evil.example/api'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a Request to another origin', new Request('https://evil.example/steal')],
  ])('refuses %s and sends nothing', async (_label, target) => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const requests = tenant.requests.length;
    const error = await rejectionOf(auth.fetch(target));
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error).toMatchObject({ code: 'untrusted_url', retryable: false });
    expect(tenant.requests.length).toBe(requests);
  });

  it('rejects with not_signed_in and sends nothing without a session', async () => {
    const { auth, tenant } = setup();
    expect((await rejectionOf(auth.fetch('/api/v1/users/me'))).code).toBe('not_signed_in');
    expect(tenant.requests).toHaveLength(0);
  });

  it('answers HTTP errors as responses, like fetch', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    expect((await auth.fetch('/api/v1/nothing')).status).toBe(404);
  });

  it('turns a failed request into a retryable network_error', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/api/v1/users/me', 'drop');
    expect(await rejectionOf(auth.fetch('/api/v1/users/me'))).toMatchObject({
      code: 'network_error',
      retryable: true,
    });
  });

  it('leaves the caller’s abort as an AbortError', async () => {
    let tenantFetch: typeof fetch = fetch;
    // Honours signals, as a browser's fetch does: the init's, else the Request's.
    const honouring: typeof fetch = async (input, init) => {
      (init?.signal ?? (input as Request).signal)?.throwIfAborted();
      return tenantFetch(input, init);
    };
    const { auth, signIn, tenant } = setup({ auth: { fetch: honouring } });
    tenantFetch = tenant.fetch;
    await signIn(auth);
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(auth.fetch('/api/v1/users/me', { signal: controller.signal }));
    expect(error).not.toBeInstanceOf(QlikAuthError);
    expect(error.name).toBe('AbortError');
  });
});

describe('fetch after a 401', () => {
  const unauthorized = () =>
    Response.json({ errors: [{ code: 'HTTP-401', title: 'Unauthorized' }] }, { status: 401 });

  it('refreshes and sends the request once more with the new token', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const first = await auth.getToken();
    tenant.failNext('/api/v1/users/me', unauthorized);
    const response = await auth.fetch('/api/v1/users/me');
    expect(response.status).toBe(200);
    // After the one the sign-in itself sent (for the user's name).
    const [, rejected, retried] = tenant.to('/api/v1/users/me');
    expect(rejected!.headers.authorization).toBe(`Bearer ${first}`);
    expect(retried!.headers.authorization).toBe(`Bearer ${await auth.getToken()}`);
    expect(await auth.getToken()).not.toBe(first);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('tries once only: a second 401 is the answer', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/api/v1/users/me', unauthorized, unauthorized);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(401);
    expect(tenant.to('/api/v1/users/me').slice(1)).toHaveLength(2); // after the sign-in's own
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('uses a token renewed meanwhile instead of refreshing again', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/api/v1/users/me', async () => {
      await auth.getToken({ forceRefresh: true });
      return unauthorized();
    });
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(200);
    expect(tenant.grants('refresh_token')).toHaveLength(1);
  });

  it('answers the 401 when no newer token can be had', async () => {
    const { auth, signIn, tenant } = setup({ tenant: { refreshTokens: false } });
    await signIn(auth);
    tenant.failNext('/api/v1/users/me', unauthorized);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(401);
    expect(tenant.to('/api/v1/users/me').slice(1)).toHaveLength(1); // after the sign-in's own
    expect(tenant.grants('refresh_token')).toHaveLength(0);
  });

  it('answers the 401 when the session has ended', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.revokeAll();
    tenant.failNext('/api/v1/users/me', unauthorized);
    expect((await auth.fetch('/api/v1/users/me')).status).toBe(401);
    expect(auth.getSnapshot().error?.code).toBe('session_expired');
  });

  it('sends the body of a Request again', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    tenant.failNext('/api/v1/items', unauthorized);
    await auth.fetch(
      new Request(`${tenant.origin}/api/v1/items`, { method: 'POST', body: 'name=report' }),
    );
    const [first, second] = tenant.to('/api/v1/items');
    expect(first!.params).toEqual({ name: 'report' });
    expect(second!.params).toEqual({ name: 'report' });
    expect(second!.method).toBe('POST');
  });
});

describe('webResourceUrl', () => {
  it('refuses a URL outside the tenant before asking for a token', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const requests = tenant.requests.length;
    expect((await rejectionOf(auth.webResourceUrl('https://evil.example/image.png'))).code).toBe(
      'untrusted_url',
    );
    expect(tenant.requests.length).toBe(requests);
  });
});
