// What each OAuth client type gets, as Qlik Cloud's help page "Configuring OAuth token duration"
// ("Refresh token configuration") and qlik.dev's "OAuth Scopes" describe it: a single-page app
// never gets offline_access or a refresh token; native and web clients get one from a browser
// sign-in that asks for offline_access; machine-to-machine grants never do.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/config.js';
import { ConfigError, resolveConfig } from '../src/config/validate.js';
import { createTenant, type EmulatedTenant } from '../src/create-tenant.js';
import {
  ALAN,
  CLIENT_ID,
  IMPERSONATION,
  REDIRECT_URI,
  SPA_CLIENT_ID,
  authorizeParams,
  emulatorPerTest,
  expectOAuthError,
  getAuthorize,
  getCode,
  json,
  pkce,
  postToken,
  redeem,
  redirectTarget,
  type TokenBody,
} from './helpers.js';

const WEB = { clientId: 'web-app', clientSecret: 'web-secret' };
const NATIVE_WITHOUT_OFFLINE = 'native-online-only';

let base: string;

emulatorPerTest(
  {
    clients: [
      ...defaultConfig().clients,
      { ...WEB, appType: 'web', redirectUris: [REDIRECT_URI], allowImpersonation: true },
      {
        clientId: NATIVE_WITHOUT_OFFLINE,
        appType: 'native',
        redirectUris: [REDIRECT_URI],
        scopes: ['user_default'],
      },
    ],
  },
  (started) => ({ base } = started),
);

/** A browser sign-in of `clientId` asking for `scope`; the token response. */
async function signInAs(
  clientId: string,
  scope: string,
  secret?: string,
): Promise<{ status: number; body: TokenBody }> {
  const code = await getCode(base, { scope, extra: { client_id: clientId } });
  const res = await redeem(base, code, {
    client_id: clientId,
    ...(secret ? { client_secret: secret } : {}),
  });
  return { status: res.status, body: await json<TokenBody>(res) };
}

/** A browser sign-in at a tenant made by createTenant (auto-approving); the token response. */
async function signInAt(
  tenant: EmulatedTenant,
  clientId: string,
  scope: string,
): Promise<TokenBody> {
  const { verifier, challenge } = pkce();
  const authorize = new URL('http://localhost/oauth/authorize');
  for (const [key, value] of Object.entries(
    authorizeParams(challenge, { client_id: clientId, scope }),
  )) {
    if (value !== undefined) authorize.searchParams.set(key, value);
  }
  const code = redirectTarget(await tenant.fetch(authorize)).searchParams.get('code')!;
  const res = await tenant.fetch('http://localhost/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    }),
  });
  expect(res.status).toBe(200);
  return json<TokenBody>(res);
}

describe('a single-page app (appType spa)', () => {
  it('is not granted offline_access when it asks, and gets no refresh token, with no error', async () => {
    // getCode fails on an error redirect: the request itself is not refused.
    const { status, body } = await signInAs(SPA_CLIENT_ID, 'user_default offline_access');
    expect(status).toBe(200);
    expect(body.scope).toBe('user_default');
    expect(body.refresh_token).toBeUndefined();
    expect(body.access_token).toBeTruthy();
  });

  it('asking for offline_access alone, is granted its allow list without it', async () => {
    const { body } = await signInAs(SPA_CLIENT_ID, 'offline_access');
    expect(body.scope).toBe('user_default');
    expect(body.refresh_token).toBeUndefined();
  });

  it('does not show offline_access on the login page', async () => {
    const res = await getAuthorize(
      base,
      authorizeParams(pkce().challenge, {
        client_id: SPA_CLIENT_ID,
        scope: 'user_default offline_access',
      }),
    );
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<code>user_default</code>');
    expect(html).not.toContain('offline_access');
  });

  it('gets no refresh token even when the tenant-wide refresh lifetime is set', async () => {
    const tenant = createTenant({ autoApprove: true, refreshTokenTtlSeconds: 3600 });
    const body = await signInAt(tenant, SPA_CLIENT_ID, 'user_default offline_access');
    expect(body.refresh_token).toBeUndefined();
  });
});

describe('a native client (public, PKCE)', () => {
  it('gets a refresh token when offline_access is allowed and asked for', async () => {
    const { body } = await signInAs(CLIENT_ID, 'user_default offline_access');
    expect(body.scope).toBe('user_default offline_access');
    expect(body.refresh_token).toBeTruthy();
  });

  it('gets no refresh token when it does not ask for offline_access', async () => {
    const { body } = await signInAs(CLIENT_ID, 'user_default');
    expect(body.scope).toBe('user_default');
    expect(body.refresh_token).toBeUndefined();
  });

  it('is refused offline_access with invalid_scope when its scopes leave it out', async () => {
    const res = await getAuthorize(
      base,
      authorizeParams(pkce().challenge, {
        client_id: NATIVE_WITHOUT_OFFLINE,
        scope: 'user_default offline_access',
      }),
    );
    expect(redirectTarget(res).searchParams.get('error')).toBe('invalid_scope');
  });
});

describe('a web client (confidential)', () => {
  it('gets a refresh token from a browser sign-in that asks for offline_access', async () => {
    const { status, body } = await signInAs(
      WEB.clientId,
      'user_default offline_access',
      WEB.clientSecret,
    );
    expect(status).toBe(200);
    expect(body.refresh_token).toBeTruthy();
    const refreshed = await postToken(base, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
      client_id: WEB.clientId,
      client_secret: WEB.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    expect((await json<TokenBody>(refreshed)).refresh_token).toBeTruthy();
  });

  it('gets no refresh token from client_credentials or impersonation, even asking for offline_access', async () => {
    for (const grant of [
      { grant_type: 'client_credentials' },
      { grant_type: IMPERSONATION, user_lookup: { field: 'userId', value: ALAN.id } },
    ]) {
      const res = await postToken(base, {
        ...grant,
        client_id: WEB.clientId,
        client_secret: WEB.clientSecret,
        scope: 'user_default offline_access',
      });
      const body = await json<TokenBody>(res);
      expect(res.status, grant.grant_type).toBe(200);
      expect(body.refresh_token, grant.grant_type).toBeUndefined();
      expect(body.scope, grant.grant_type).toBe('user_default');
    }
  });

  it('must present its secret to redeem its code', async () => {
    const code = await getCode(base, { scope: 'user_default', extra: { client_id: WEB.clientId } });
    await expectOAuthError(
      await redeem(base, code, { client_id: WEB.clientId }),
      401,
      'invalid_client',
    );
  });
});

describe('the type of a client whose config names none', () => {
  it('is spa without a secret and web with one', () => {
    const { clients } = resolveConfig({
      clients: [
        { clientId: 'public', redirectUris: [REDIRECT_URI] },
        { clientId: 'backend', clientSecret: 's', redirectUris: [] },
      ],
    });
    expect(clients.map((client) => client.appType)).toEqual(['spa', 'web']);
  });

  it('gets no refresh token, as an spa', async () => {
    const tenant = createTenant({
      autoApprove: true,
      clients: [{ clientId: 'untyped', redirectUris: [REDIRECT_URI] }],
    });
    const body = await signInAt(tenant, 'untyped', 'user_default offline_access');
    expect(body.scope).toBe('user_default');
    expect(body.refresh_token).toBeUndefined();
  });
});

describe('a client config the management console would not save', () => {
  /** The ConfigError message for a config of one client, or undefined when it is accepted. */
  function refusal(client: Record<string, unknown>): string | undefined {
    try {
      resolveConfig({ clients: [{ clientId: 'c', redirectUris: [REDIRECT_URI], ...client }] });
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  }

  it('refuses a web client without a secret, naming clientSecret', () => {
    expect(refusal({ appType: 'web' })).toMatch(/^clients\[0\]\.clientSecret is required/);
  });

  it('refuses a secret on an spa or a native client, naming clientSecret', () => {
    expect(refusal({ appType: 'spa', clientSecret: 's' })).toMatch(
      /^clients\[0\]\.clientSecret must be left out: spa clients are public/,
    );
    expect(refusal({ appType: 'native', clientSecret: 's' })).toMatch(
      /^clients\[0\]\.clientSecret must be left out: native clients are public/,
    );
  });

  it('refuses offline_access among the scopes of an spa, naming scopes', () => {
    expect(refusal({ appType: 'spa', scopes: ['user_default', 'offline_access'] })).toMatch(
      /^clients\[0\]\.scopes cannot include offline_access/,
    );
    expect(refusal({ scopes: ['offline_access'] })).toMatch(/^clients\[0\]\.scopes/);
  });

  it('accepts the combinations Qlik Cloud has', () => {
    expect(refusal({ appType: 'spa' })).toBeUndefined();
    expect(
      refusal({ appType: 'native', scopes: ['user_default', 'offline_access'] }),
    ).toBeUndefined();
    expect(refusal({ appType: 'web', clientSecret: 's' })).toBeUndefined();
  });

  it('does not change the config object it was given', () => {
    const client = { clientId: 'c', redirectUris: [REDIRECT_URI] };
    resolveConfig({ clients: [client] });
    expect(client).toEqual({ clientId: 'c', redirectUris: [REDIRECT_URI] });
  });
});

describe('the default config', () => {
  it('has demo-spa, an spa without offline_access, and demo-native, a public native client with it, for the same origins', () => {
    const [spa, native] = defaultConfig().clients;
    expect(spa).toMatchObject({ clientId: 'demo-spa', appType: 'spa' });
    expect(spa!.scopes).not.toContain('offline_access');
    expect(spa!.clientSecret).toBeUndefined();
    expect(native).toMatchObject({ clientId: 'demo-native', appType: 'native' });
    expect(native!.scopes).toContain('offline_access');
    expect(native!.clientSecret).toBeUndefined();
    expect(native!.redirectUris).toEqual(spa!.redirectUris);
    expect(native!.allowedOrigins).toEqual(spa!.allowedOrigins);
    expect(spa!.redirectUris).toContain('http://localhost:5174/harness.html');
  });

  it('gives demo-spa no refresh token and demo-native one, from the same sign-in request', async () => {
    const spa = await signInAs(SPA_CLIENT_ID, 'user_default offline_access');
    const native = await signInAs(CLIENT_ID, 'user_default offline_access');
    expect(spa.body.refresh_token).toBeUndefined();
    expect(native.body.refresh_token).toBeTruthy();
  });
});
