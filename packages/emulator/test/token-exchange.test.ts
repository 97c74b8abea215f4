import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  fetch,
  ACCESS_TOKEN_TYPE,
  ADA,
  CLIENT_ID,
  SALES_APP,
  TOKEN_EXCHANGE,
  controlOk,
  engineUrl,
  exchange,
  expectError,
  expectOAuthError,
  getMe,
  handshake,
  json,
  postRevoke,
  postToken,
  purposeToken,
  signIn,
  emulatorPerTest,
  TWO_PUBLIC_CLIENTS,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

let clock: ManualClock;
let base: string;
let accessToken: string;

emulatorPerTest(TWO_PUBLIC_CLIENTS, (started) => ({ clock, base } = started));
beforeEach(async () => {
  accessToken = (await signIn(base, { user: ADA.id })).tokens.access_token;
});

const thumbnail = (token: string) =>
  fetch(
    `${base}/api/v1/apps/${SALES_APP.id}/media/thumbnail?accessToken=${encodeURIComponent(token)}`,
  );

describe('token exchange for purpose tokens', () => {
  for (const purpose of ['websocket', 'webresource']) {
    it(`exchanges an access token for a short-lived ${purpose} token with issued_token_type`, async () => {
      const res = await exchange(base, accessToken, purpose);
      expect(res.status).toBe(200);
      const body = await json<TokenBody>(res);
      expect(body.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
      expect(body.token_type).toBe('bearer');
      expect(body.scope).toBe('user_default offline_access');
      expect(body.refresh_token).toBeUndefined();
      expect(body.expires_at).toBe(new Date(clock.now() + 300 * 1000).toISOString());
      expect(body.access_token).not.toBe(accessToken);
      const claims = decodeJwt(body.access_token);
      // Qlik-shaped: the purpose and no identity (https://qlik.dev/changelog/67-oauth-token-contents).
      expect(claims.purpose).toBe(purpose);
      expect(claims.sub).toBeUndefined();
      expect(claims.subType).toBe('user');
    });
  }

  it('accepts a form-encoded exchange', async () => {
    const res = await postToken(
      base,
      {
        grant_type: TOKEN_EXCHANGE,
        client_id: CLIENT_ID,
        subject_token: accessToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        purpose: 'webresource',
      },
      { form: true },
    );
    expect(res.status).toBe(200);
  });

  it('never outlives the access token it was exchanged from', async () => {
    clock.advance(21600 - 100);
    const body = await json<TokenBody>(await exchange(base, accessToken, 'websocket'));
    expect(Date.parse(body.expires_at!)).toBe(clock.now() + 100 * 1000);
  });

  it('stops working when its short lifetime is over', async () => {
    const webresource = await purposeToken(base, accessToken, 'webresource');
    expect((await thumbnail(webresource)).status).toBe(200);
    clock.advance(300);
    await expectError(await thumbnail(webresource), 401);
  });

  it('logs the purpose of each exchange', async () => {
    await purposeToken(base, accessToken, 'websocket');
    const log = await controlOk<{ data: { grantType?: string; purpose?: string }[] }>(
      base,
      'GET',
      '/requests',
    );
    expect(log.data.at(-1)).toMatchObject({ grantType: TOKEN_EXCHANGE, purpose: 'websocket' });
  });
});

describe('token exchange refusals', () => {
  it('refuses a purpose other than websocket or webresource with 400', async () => {
    const entry = await expectOAuthError(
      await exchange(base, accessToken, 'everything'),
      400,
      'invalid_request',
    );
    expect(entry.detail).toMatch(/purpose/);
  });

  it('refuses a subject_token_type other than access_token with 400', async () => {
    await expectOAuthError(
      await exchange(base, accessToken, 'websocket', {
        subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
      400,
      'invalid_request',
    );
  });

  for (const missing of ['client_id', 'subject_token', 'subject_token_type', 'purpose']) {
    it(`refuses an exchange without ${missing} with 400`, async () => {
      const entry = await expectOAuthError(
        await exchange(base, accessToken, 'websocket', { [missing]: undefined }),
        400,
        'invalid_request',
      );
      expect(entry.detail).toContain(missing);
    });
  }

  it('refuses a subject token that is not a token of this tenant with 401', async () => {
    await expectOAuthError(await exchange(base, 'garbage', 'websocket'), 401, 'invalid_grant');
    const [header, payload] = accessToken.split('.');
    await expectOAuthError(
      await exchange(base, `${header}.${payload}.AAAA`, 'websocket'),
      401,
      'invalid_grant',
    );
  });

  it('refuses a revoked or expired subject token with 401', async () => {
    const other = (await signIn(base)).tokens.access_token;
    expect((await postRevoke(base, { token: other })).status).toBe(200);
    await expectOAuthError(await exchange(base, other, 'websocket'), 401, 'invalid_grant');
    clock.advance(21600);
    await expectOAuthError(await exchange(base, accessToken, 'websocket'), 401, 'invalid_grant');
  });

  it('refuses a purpose token as the subject token with 401', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    await expectOAuthError(await exchange(base, websocket, 'webresource'), 401, 'invalid_grant');
  });

  it('refuses a subject token issued to another client with 401', async () => {
    await expectOAuthError(
      await exchange(base, accessToken, 'websocket', { client_id: 'other-native' }),
      401,
      'invalid_grant',
    );
  });

  it('refuses an unknown client with 401 invalid_client', async () => {
    await expectOAuthError(
      await exchange(base, accessToken, 'websocket', { client_id: 'nobody' }),
      401,
      'invalid_client',
    );
  });

  it('refuses an exchange for a disabled user with 403', async () => {
    await controlOk(base, 'POST', `/users/${ADA.id}/disable`);
    const entry = await expectError(
      await exchange(base, accessToken, 'websocket'),
      403,
      'EMULATOR-USER_DISABLED',
    );
    expect(entry.meta?.error).toBe('access_denied');
    // The token itself is refused everywhere else while the user is disabled.
    await expectError(await getMe(base, accessToken), 401);
  });
});

describe('a purpose token works for its purpose only', () => {
  it('is refused as a Bearer token on /api/v1 with 401', async () => {
    for (const purpose of ['websocket', 'webresource']) {
      const token = await purposeToken(base, accessToken, purpose);
      await expectError(await getMe(base, token), 401, 'HTTP-401');
      await expectError(
        await fetch(`${base}/api/v1/items?resourceType=app`, {
          headers: { authorization: `Bearer ${token}` },
        }),
        401,
      );
    }
  });

  it('a webresource token is refused by the engine socket', async () => {
    const webresource = await purposeToken(base, accessToken, 'webresource');
    expect((await handshake(engineUrl(base, SALES_APP.id, webresource))).status).toBe(401);
    const websocket = await purposeToken(base, accessToken, 'websocket');
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(101);
  });

  it('a websocket token is refused by the thumbnail', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    await expectError(await thumbnail(websocket), 401);
    const webresource = await purposeToken(base, accessToken, 'webresource');
    expect((await thumbnail(webresource)).status).toBe(200);
  });

  it('the user’s access token is refused by the engine socket and the thumbnail', async () => {
    expect((await handshake(engineUrl(base, SALES_APP.id, accessToken))).status).toBe(401);
    await expectError(await thumbnail(accessToken), 401);
  });
});
