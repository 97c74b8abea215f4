import { describe, expect, it } from 'vitest';
import {
  fetch,
  ADA,
  CLIENT_ID,
  REDIRECT_URI,
  controlOk,
  expectError,
  expectOAuthError,
  getCode,
  getMe,
  json,
  pkce,
  postRevoke,
  postToken,
  redeem,
  refresh,
  signIn,
  emulatorPerTest,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

let clock: ManualClock;
let base: string;

emulatorPerTest(
  {
    clients: [
      {
        clientId: CLIENT_ID,
        appType: 'native',
        redirectUris: [REDIRECT_URI, 'http://localhost:5173/'],
      },
      { clientId: 'other-native', appType: 'native', redirectUris: [REDIRECT_URI] },
    ],
  },
  (started) => ({ clock, base } = started),
);

describe('authorization_code grant: success', () => {
  it('answers with access_token, token_type bearer, expires_at, scope and auth_time', async () => {
    const code = await getCode(base, { scope: 'user_default offline_access' });
    const res = await redeem(base, code);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json<TokenBody>(res);
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(body.token_type).toBe('bearer');
    expect(body.scope).toBe('user_default offline_access');
    expect(body.expires_at).toBe(new Date(clock.now() + 21600 * 1000).toISOString());
    expect(body.expires_in).toBeUndefined();
    expect(body.auth_time).toBe(Math.floor(clock.now() / 1000));
    expect(typeof body.refresh_token).toBe('string');
    expect(body.issued_token_type).toBeUndefined();
  });

  it('issues a refresh_token only when offline_access was granted', async () => {
    const { tokens } = await signIn(base, { scope: 'user_default' });
    expect(tokens.scope).toBe('user_default');
    expect(tokens.refresh_token).toBeUndefined();
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
  });

  it('accepts a form-encoded body as well as JSON', async () => {
    const code = await getCode(base);
    const res = await postToken(
      base,
      {
        grant_type: 'authorization_code',
        code: code.code,
        code_verifier: code.verifier,
        redirect_uri: code.redirectUri,
        client_id: CLIENT_ID,
      },
      { form: true },
    );
    expect(res.status).toBe(200);
    expect((await json<TokenBody>(res)).token_type).toBe('bearer');
  });

  it('issues an access token that /api/v1/users/me accepts until it expires', async () => {
    const { tokens } = await signIn(base);
    const me = await json<{ id: string }>(await getMe(base, tokens.access_token));
    expect(me.id).toBe(ADA.id);
    clock.advance(21600);
    await expectError(await getMe(base, tokens.access_token), 401);
  });
});

describe('authorization_code grant: codes', () => {
  it('refuses a code_verifier that does not match the code_challenge with 401 invalid_grant', async () => {
    const code = await getCode(base);
    const res = await redeem(base, { ...code, verifier: pkce().verifier });
    const entry = await expectOAuthError(res, 401, 'invalid_grant');
    expect(entry.code).toBe('EMULATOR-INVALID_GRANT');
    expect(entry.detail).toMatch(/code_verifier/);
  });

  it('refuses a code_verifier outside the 43 to 128 unreserved characters with 400', async () => {
    const code = await getCode(base);
    await expectOAuthError(
      await redeem(base, { ...code, verifier: 'short' }),
      400,
      'invalid_request',
    );
    await expectOAuthError(
      await redeem(base, { ...code, verifier: `${'a'.repeat(43)}!` }),
      400,
      'invalid_request',
    );
    await expectOAuthError(
      await redeem(base, { ...code, verifier: 'a'.repeat(129) }),
      400,
      'invalid_request',
    );
  });

  it('refuses a reused code with 401 and revokes the tokens issued from it', async () => {
    const code = await getCode(base);
    const first = await json<TokenBody>(await redeem(base, code));
    expect((await getMe(base, first.access_token)).status).toBe(200);

    await expectOAuthError(await redeem(base, code), 401, 'invalid_grant');

    await expectError(await getMe(base, first.access_token), 401);
    await expectOAuthError(await refresh(base, first.refresh_token!), 401, 'invalid_grant');
  });

  it('refuses a code after its 60-second lifetime', async () => {
    const code = await getCode(base);
    clock.advance(60);
    const entry = await expectOAuthError(await redeem(base, code), 401, 'invalid_grant');
    expect(entry.detail).toMatch(/expired/);
  });

  it('accepts a code just before it expires', async () => {
    const code = await getCode(base);
    clock.advance(59);
    expect((await redeem(base, code)).status).toBe(200);
  });

  it('refuses an unknown code with 401', async () => {
    const code = await getCode(base);
    await expectOAuthError(await redeem(base, { ...code, code: 'made-up' }), 401, 'invalid_grant');
  });

  it('refuses a redirect_uri other than the one of the authorization request', async () => {
    const code = await getCode(base);
    const res = await redeem(base, { ...code, redirectUri: 'http://localhost:5173/' });
    const entry = await expectOAuthError(res, 401, 'invalid_grant');
    expect(entry.detail).toMatch(/redirect_uri/);
  });

  it('refuses a code issued to another client', async () => {
    const code = await getCode(base);
    await expectOAuthError(
      await redeem(base, code, { client_id: 'other-native' }),
      401,
      'invalid_grant',
    );
  });
});

describe('authorization_code grant: parameters and clients', () => {
  for (const missing of ['code', 'code_verifier', 'redirect_uri', 'client_id']) {
    it(`refuses a request without ${missing} with 400 invalid_request`, async () => {
      const code = await getCode(base);
      const entry = await expectOAuthError(
        await redeem(base, code, { [missing]: undefined }),
        400,
        'invalid_request',
      );
      expect(entry.detail).toContain(missing);
    });
  }

  it('refuses an unknown client_id with 401 invalid_client', async () => {
    const code = await getCode(base);
    const entry = await expectOAuthError(
      await redeem(base, code, { client_id: 'nobody' }),
      401,
      'invalid_client',
    );
    expect(entry.code).toBe('EMULATOR-INVALID_CLIENT');
  });

  it('refuses a client_secret from a public client with 401 invalid_client', async () => {
    const code = await getCode(base);
    await expectOAuthError(
      await redeem(base, code, { client_secret: 'guess' }),
      401,
      'invalid_client',
    );
  });

  it('refuses client_assertion, which the emulator does not support, with 400', async () => {
    const code = await getCode(base);
    await expectOAuthError(
      await redeem(base, code, {
        client_assertion: 'x.y.z',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      }),
      400,
      'invalid_request',
    );
  });

  it('refuses methods other than POST with 405', async () => {
    await expectError(await fetch(`${base}/oauth/token`), 405);
  });
});

describe('authorization_code grant: 403 policies', () => {
  it('refuses tokens for a disabled user with 403', async () => {
    const code = await getCode(base, { user: ADA.id });
    await controlOk(base, 'POST', `/users/${ADA.id}/disable`);
    const entry = await expectError(await redeem(base, code), 403, 'EMULATOR-USER_DISABLED');
    expect(entry.meta?.error).toBe('access_denied');
  });

  it('refuses a new grant with 403 once maxTokensPerUser is reached, until one is revoked', async () => {
    await controlOk(base, 'PATCH', '/config', { maxTokensPerUser: 1 });
    const first = await signIn(base);
    const code = await getCode(base, { cookie: first.cookie! });
    const entry = await expectError(await redeem(base, code), 403, 'EMULATOR-TOO_MANY_TOKENS');
    expect(entry.meta?.error).toBe('access_denied');

    expect((await postRevoke(base, { token: first.tokens.refresh_token })).status).toBe(200);
    const again = await getCode(base, { cookie: first.cookie! });
    expect((await redeem(base, again)).status).toBe(200);
  });
});
