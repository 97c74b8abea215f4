import { describe, expect, it } from 'vitest';
import { QlikAuthError } from '../src/index.js';
import { rejectionOf, REDIRECT_URI, setup } from './helpers.js';

async function sha256(value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
  );
  return btoa(String.fromCharCode(...digest))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

describe('signIn', () => {
  it('navigates to the authorization endpoint with an authorization code + PKCE S256 request', async () => {
    const { auth, navigations, tenant } = setup();
    await auth.signIn();
    expect(navigations).toHaveLength(1);
    const url = new URL(navigations[0]!);
    expect(url.origin + url.pathname).toBe(`${tenant.origin}/oauth/authorize`);
    const query = url.searchParams;
    expect(query.get('client_id')).toBe(tenant.clientId);
    expect(query.get('response_type')).toBe('code');
    expect(query.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(query.get('scope')).toBe('user_default offline_access');
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.has('prompt')).toBe(false);
  });

  it('sends the verifier whose S256 challenge went to the authorization endpoint', async () => {
    const { auth, tenant, signIn, navigations } = setup();
    await signIn(auth);
    const challenge = new URL(navigations[0]!).searchParams.get('code_challenge');
    const [tokenRequest] = tenant.to('/oauth/token');
    expect(tokenRequest!.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(await sha256(tokenRequest!.params.code_verifier!)).toBe(challenge);
    expect(tokenRequest!.params.redirect_uri).toBe(REDIRECT_URI);
    expect(tokenRequest!.params.client_id).toBe(tenant.clientId);
  });

  it('signs a single-page-app client in without a refresh token: the tenant grants no offline_access', async () => {
    const { auth, tenant, signIn } = setup({ tenant: { appType: 'spa' } });
    await signIn(auth);
    expect(tenant.clientId).toBe('spa-client');
    expect(auth.getSnapshot()).toMatchObject({ status: 'signedIn', scopes: ['user_default'] });
    expect(tenant.refreshTokens.size).toBe(0);
  });

  it('uses a fresh state and verifier for every sign-in', async () => {
    const { auth, navigations } = setup();
    await auth.signIn();
    await auth.signIn();
    const [a, b] = navigations.map((url) => new URL(url).searchParams);
    expect(a!.get('state')).not.toBe(b!.get('state'));
    expect(a!.get('code_challenge')).not.toBe(b!.get('code_challenge'));
  });

  it('passes scopes, prompt, login_hint and max_age through', async () => {
    const { auth, navigations } = setup({ auth: { scopes: ['user_default', 'admin_classic'] } });
    await auth.signIn({ prompt: 'login', loginHint: 'alice@example.com', maxAge: 0 });
    const query = new URL(navigations[0]!).searchParams;
    expect(query.get('scope')).toBe('user_default admin_classic');
    expect(query.get('prompt')).toBe('login');
    expect(query.get('login_hint')).toBe('alice@example.com');
    expect(query.get('max_age')).toBe('0');
  });

  it('discovers the metadata once per instance (RFC 8414)', async () => {
    const { auth, tenant, signIn } = setup();
    await auth.signIn();
    await auth.signIn();
    await signIn(auth);
    await auth.signOut();
    expect(tenant.to('/.well-known/oauth-authorization-server')).toHaveLength(1);
  });

  it('skips discovery when the metadata is given', async () => {
    const { create, tenant, navigations } = setup();
    const auth = create({ metadata: tenant.metadata });
    await auth.signIn();
    expect(tenant.requests).toHaveLength(0);
    expect(navigations[0]).toMatch(`${tenant.origin}/oauth/authorize?`);
  });

  it('refuses discovered metadata whose issuer is not the host (RFC 8414 section 3.3)', async () => {
    const { auth, tenant, navigations } = setup();
    tenant.failNext(
      '/.well-known/oauth-authorization-server',
      Response.json({ ...tenant.metadata, issuer: 'https://evil.example' }),
    );
    const error = await rejectionOf(auth.signIn());
    expect(error).toBeInstanceOf(QlikAuthError);
    expect(error.code).toBe('invalid_response');
    expect(navigations).toHaveLength(0);
    expect(auth.getSnapshot().error).toBe(error);
  });

  it('tries discovery again after a failed one', async () => {
    const { auth, tenant, navigations } = setup();
    tenant.failNext('/.well-known/oauth-authorization-server', 'drop');
    const error = await rejectionOf(auth.signIn());
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    await auth.signIn();
    expect(navigations).toHaveLength(1);
    expect(tenant.to('/.well-known/oauth-authorization-server')).toHaveLength(2);
  });

  it('reports a tenant that answers discovery with 503 as a retryable server_error', async () => {
    const { auth, tenant } = setup();
    tenant.failNext(
      '/.well-known/oauth-authorization-server',
      new Response('busy', { status: 503 }),
    );
    expect(await rejectionOf(auth.signIn())).toMatchObject({
      code: 'server_error',
      retryable: true,
      status: 503,
    });
  });

  it('defaults the redirect URI to the current page without its query', async () => {
    const { create, navigations } = setup({ auth: { redirectUri: undefined } });
    history.replaceState(null, '', '/app/start?from=menu#x');
    await create().signIn();
    expect(new URL(navigations[0]!).searchParams.get('redirect_uri')).toBe(
      'http://localhost:3000/app/start',
    );
  });
});

describe('returnTo and appState', () => {
  it('round-trip through the sign-in', async () => {
    const { auth, signIn } = setup();
    const result = await signIn(auth, {
      returnTo: '/apps/42?tab=sheets#top',
      appState: { draft: 'unsaved', step: 3 },
    });
    expect(result).toEqual({
      returnTo: '/apps/42?tab=sheets#top',
      appState: { draft: 'unsaved', step: 3 },
    });
  });

  it('default to the page that started the sign-in', async () => {
    const { auth, signIn } = setup();
    history.replaceState(null, '', '/reports?year=2030');
    expect((await signIn(auth)).returnTo).toBe('/reports?year=2030');
  });

  it('accept an absolute URL on the app origin, as a path', async () => {
    const { auth, signIn } = setup();
    expect((await signIn(auth, { returnTo: 'http://localhost:3000/a/b?c=d' })).returnTo).toBe(
      '/a/b?c=d',
    );
  });

  it.each([
    ['a protocol-relative URL', '//evil.example/phish'],
    ['an absolute URL on another origin', 'https://evil.example/'],
    ['the same host on another scheme', 'https://localhost:3000/'],
    ['a javascript: URL', 'javascript:alert(document.cookie)'],
    ['a mixed-case javascript: URL', 'JaVaScRiPt:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['two backslashes', '\\\\evil.example'],
    ['a tab inside the slashes', '/\t/evil.example'],
    ['a newline inside the scheme', 'java\nscript:alert(1)'],
    [
      'a path that is a protocol-relative URL on the app origin',
      'http://localhost:3000//evil.example',
    ],
    ['credentials that hide another host', 'http://localhost:3000@evil.example/'],
  ])('fall back to / for %s', async (_label, returnTo) => {
    const { auth, signIn } = setup();
    expect((await signIn(auth, { returnTo })).returnTo).toBe('/');
  });

  it('keep percent-encoded tricks as harmless paths on the app origin', async () => {
    const { auth, signIn } = setup();
    const { returnTo } = await signIn(auth, { returnTo: '/%2F%2Fevil.example' });
    expect(returnTo).toBe('/%2F%2Fevil.example');
    expect(new URL(returnTo!, 'http://localhost:3000').origin).toBe('http://localhost:3000');
  });

  it('fall back to / for an encoded javascript: URL', async () => {
    const { auth, signIn } = setup();
    const { returnTo } = await signIn(auth, { returnTo: 'javascript%3Aalert(1)' });
    // Relative, so it resolves to a path on the app origin: never a script.
    expect(new URL(returnTo!, 'http://localhost:3000').origin).toBe('http://localhost:3000');
    expect(returnTo!.startsWith('/')).toBe(true);
  });
});
