import { describe, expect, it } from 'vitest';
import {
  fetch,
  SALES_APP,
  controlOk,
  engineUrl,
  exchange,
  expectError,
  expectOAuthError,
  getMe,
  handshake,
  json,
  postRevoke,
  purposeToken,
  refresh,
  signIn,
  emulatorPerTest,
  type ManualClock,
} from './helpers.js';

let clock: ManualClock;
let base: string;

emulatorPerTest(undefined, (started) => ({ clock, base } = started));

async function revoked(body: Record<string, unknown>, form = false): Promise<void> {
  const res = await postRevoke(base, body, { form });
  expect(res.status).toBe(200);
  expect(await json(res)).toEqual({});
}

describe('POST /oauth/revoke', () => {
  it('revokes a refresh token with 200: refresh then fails and the family’s access token too', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    await revoked({ token: tokens.refresh_token, token_type_hint: 'refresh_token' });

    await expectOAuthError(await refresh(base, tokens.refresh_token!), 401, 'invalid_grant');
    await expectError(await getMe(base, tokens.access_token), 401);
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(401);
    const stats = await controlOk<{ revocations: number }>(base, 'GET', '/stats');
    expect(stats.revocations).toBe(1);
  });

  it('revokes an access token with 200, leaving its refresh token usable', async () => {
    const { tokens } = await signIn(base);
    await revoked({ token: tokens.access_token, token_type_hint: 'access_token' });
    await expectError(await getMe(base, tokens.access_token), 401);
    await expectOAuthError(
      await exchange(base, tokens.access_token, 'websocket'),
      401,
      'invalid_grant',
    );
    const res = await refresh(base, tokens.refresh_token!);
    expect(res.status).toBe(200);
  });

  it('revokes a purpose token so the engine refuses it', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    await revoked({ token: websocket });
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(401);
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
  });

  it('answers 200 for an unknown token, as RFC 7009 requires', async () => {
    await revoked({ token: 'never-issued' });
    await revoked({ token: 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA' });
  });

  it('answers 200 for an access token that has already expired', async () => {
    const { tokens } = await signIn(base);
    clock.advance(21600 + 1);
    await revoked({ token: tokens.access_token });
  });

  it('answers 200 when the same token is revoked twice', async () => {
    const { tokens } = await signIn(base);
    await revoked({ token: tokens.refresh_token });
    await revoked({ token: tokens.refresh_token });
  });

  it('accepts a form-encoded body', async () => {
    const { tokens } = await signIn(base);
    await revoked({ token: tokens.refresh_token }, true);
    await expectError(await refresh(base, tokens.refresh_token!), 401);
  });

  it('refuses a request without token with 400 and the errors body', async () => {
    const entry = await expectOAuthError(await postRevoke(base, {}), 400, 'invalid_request');
    expect(entry.detail).toMatch(/token/);
    await expectOAuthError(await postRevoke(base, { token: '' }), 400, 'invalid_request');
  });

  it('refuses a token that is not a string with 400', async () => {
    await expectOAuthError(await postRevoke(base, { token: 42 }), 400, 'invalid_request');
    await expectOAuthError(await postRevoke(base, { token: ['a'] }), 400, 'invalid_request');
  });

  it('refuses an unknown token_type_hint with 400', async () => {
    await expectOAuthError(
      await postRevoke(base, { token: 'x', token_type_hint: 'id_token' }),
      400,
      'invalid_request',
    );
  });

  it('refuses malformed JSON and unsupported content types with 400', async () => {
    await expectOAuthError(
      await fetch(`${base}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"token":',
      }),
      400,
      'invalid_request',
    );
    await expectOAuthError(
      await fetch(`${base}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'token=x',
      }),
      400,
      'invalid_request',
    );
  });

  it('refuses methods other than POST with 405', async () => {
    await expectError(await fetch(`${base}/oauth/revoke`), 405);
  });
});
