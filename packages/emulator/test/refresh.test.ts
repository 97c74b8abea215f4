import { describe, expect, it } from 'vitest';
import {
  fetch,
  ADA,
  CLIENT_ID,
  SALES_APP,
  controlOk,
  expectError,
  expectOAuthError,
  getMe,
  json,
  postToken,
  purposeToken,
  refresh,
  signIn,
  emulatorPerTest,
  TWO_PUBLIC_CLIENTS,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

let clock: ManualClock;
let base: string;

emulatorPerTest(TWO_PUBLIC_CLIENTS, (started) => ({ clock, base } = started));

async function refreshed(refreshToken: string): Promise<TokenBody> {
  const res = await refresh(base, refreshToken);
  const body = await json<TokenBody>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

interface Stats {
  tokensIssued: number;
  refreshes: number;
  reuseDetections: number;
  revocations: number;
}

describe('refresh_token grant', () => {
  it('answers with a new access token, the same scope and a fresh expires_at', async () => {
    const { tokens } = await signIn(base);
    clock.advance(100);
    const next = await refreshed(tokens.refresh_token!);
    expect(next.token_type).toBe('bearer');
    expect(next.access_token).not.toBe(tokens.access_token);
    expect(next.scope).toBe(tokens.scope);
    expect(next.expires_at).toBe(new Date(clock.now() + 21600 * 1000).toISOString());
    expect((await getMe(base, next.access_token)).status).toBe(200);
  });

  it('rotates the refresh token on every use', async () => {
    const { tokens } = await signIn(base);
    const seen = new Set([tokens.refresh_token]);
    let current = tokens.refresh_token!;
    for (let i = 0; i < 3; i += 1) {
      const next = await refreshed(current);
      expect(next.refresh_token).toBeTruthy();
      expect(seen.has(next.refresh_token)).toBe(false);
      seen.add(next.refresh_token);
      current = next.refresh_token!;
    }
  });

  it('still refreshes after the access token has expired', async () => {
    const { tokens } = await signIn(base);
    clock.advance(21600 + 1);
    await expectError(await getMe(base, tokens.access_token), 401);
    const next = await refreshed(tokens.refresh_token!);
    expect((await getMe(base, next.access_token)).status).toBe(200);
  });

  it('accepts a form-encoded body without client_id', async () => {
    const { tokens } = await signIn(base);
    const res = await postToken(
      base,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { form: true },
    );
    expect(res.status).toBe(200);
  });

  it('revokes the whole family when a rotated-out refresh token is reused', async () => {
    const { tokens: first } = await signIn(base);
    const second = await refreshed(first.refresh_token!);
    const third = await refreshed(second.refresh_token!);
    const webresource = await purposeToken(base, third.access_token, 'webresource');
    const before = await controlOk<Stats>(base, 'GET', '/stats');
    expect(before.reuseDetections).toBe(0);

    const entry = await expectOAuthError(
      await refresh(base, first.refresh_token!),
      401,
      'invalid_grant',
    );
    expect(entry.detail).toMatch(/already used/);

    // The newest refresh token and every access token of the family stop working.
    await expectOAuthError(await refresh(base, third.refresh_token!), 401, 'invalid_grant');
    for (const accessToken of [first.access_token, second.access_token, third.access_token]) {
      await expectError(await getMe(base, accessToken), 401);
    }
    const thumbnail = await fetch(
      `${base}/api/v1/apps/${SALES_APP.id}/media/thumbnail?accessToken=${webresource}`,
    );
    await expectError(thumbnail, 401);

    const stats = await controlOk<Stats>(base, 'GET', '/stats');
    expect(stats.reuseDetections).toBe(1);
    const log = await controlOk<{
      data: { path: string; reuseDetected?: boolean; status?: number }[];
    }>(base, 'GET', '/requests');
    const flagged = log.data.filter((e) => e.reuseDetected);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ path: '/oauth/token', status: 401 });
  });

  it('counts a reuse once, however often the revoked family is presented again', async () => {
    const { tokens } = await signIn(base);
    await refreshed(tokens.refresh_token!);
    await expectError(await refresh(base, tokens.refresh_token!), 401);
    await expectError(await refresh(base, tokens.refresh_token!), 401);
    expect((await controlOk<Stats>(base, 'GET', '/stats')).reuseDetections).toBe(1);
  });

  it('leaves the user’s other families alone when one is revoked for reuse', async () => {
    const one = await signIn(base);
    const two = await signIn(base, { cookie: one.cookie! });
    await refreshed(one.tokens.refresh_token!);
    await expectError(await refresh(base, one.tokens.refresh_token!), 401);
    expect((await getMe(base, two.tokens.access_token)).status).toBe(200);
    expect((await refresh(base, two.tokens.refresh_token!)).status).toBe(200);
  });

  it('with reuseDetection off, refuses a rotated-out token without revoking the family', async () => {
    await controlOk(base, 'PATCH', '/config', { reuseDetection: false });
    const { tokens } = await signIn(base);
    const next = await refreshed(tokens.refresh_token!);
    await expectOAuthError(await refresh(base, tokens.refresh_token!), 401, 'invalid_grant');
    expect((await getMe(base, next.access_token)).status).toBe(200);
    expect((await refresh(base, next.refresh_token!)).status).toBe(200);
    expect((await controlOk<Stats>(base, 'GET', '/stats')).reuseDetections).toBe(0);
  });

  it('with reuseGraceSeconds, answers the token rotated out last with the current one, for that long', async () => {
    await controlOk(base, 'PATCH', '/config', { reuseGraceSeconds: 30 });
    const { tokens } = await signIn(base);
    // The answer to this refresh is lost (the client keeps the first token) ...
    const lost = await refreshed(tokens.refresh_token!);
    clock.advance(10);
    // ... so it retries with the first token, and gets the token the lost answer carried.
    const retried = await refreshed(tokens.refresh_token!);
    expect(retried.refresh_token).toBe(lost.refresh_token);
    expect(retried.access_token).not.toBe(lost.access_token);
    expect((await getMe(base, retried.access_token)).status).toBe(200);
    clock.advance(20);
    // Thirty seconds after the rotation, the first token is a reuse again: the grant is revoked.
    const entry = await expectOAuthError(
      await refresh(base, tokens.refresh_token!),
      401,
      'invalid_grant',
    );
    expect(entry.detail).toMatch(/already used/);
    await expectOAuthError(await refresh(base, lost.refresh_token!), 401, 'invalid_grant');
    const stats = await controlOk<Stats>(base, 'GET', '/stats');
    expect(stats).toMatchObject({ refreshes: 2, reuseDetections: 1 });
  });

  it('with reuseGraceSeconds, still treats a token two rotations old as a reuse', async () => {
    await controlOk(base, 'PATCH', '/config', { reuseGraceSeconds: 30 });
    const { tokens } = await signIn(base);
    const second = await refreshed(tokens.refresh_token!);
    const third = await refreshed(second.refresh_token!);
    await expectOAuthError(await refresh(base, tokens.refresh_token!), 401, 'invalid_grant');
    await expectOAuthError(await refresh(base, third.refresh_token!), 401, 'invalid_grant');
    expect((await controlOk<Stats>(base, 'GET', '/stats')).reuseDetections).toBe(1);
  });

  it('with rotateRefreshTokens off, keeps answering with the same refresh token', async () => {
    await controlOk(base, 'PATCH', '/config', { rotateRefreshTokens: false });
    const { tokens } = await signIn(base);
    const a = await refreshed(tokens.refresh_token!);
    const b = await refreshed(tokens.refresh_token!);
    expect(a.refresh_token).toBe(tokens.refresh_token);
    expect(b.refresh_token).toBe(tokens.refresh_token);
    expect(b.access_token).not.toBe(a.access_token);
  });

  it('refuses a refresh token after its lifetime', async () => {
    const { tokens } = await signIn(base);
    clock.advance(30 * 24 * 3600);
    const entry = await expectOAuthError(
      await refresh(base, tokens.refresh_token!),
      401,
      'invalid_grant',
    );
    expect(entry.detail).toMatch(/expired/);
  });

  it('refuses an unknown refresh token with 401', async () => {
    await expectOAuthError(await refresh(base, 'not-a-refresh-token'), 401, 'invalid_grant');
  });

  it('refuses a missing refresh_token with 400', async () => {
    const entry = await expectOAuthError(
      await postToken(base, { grant_type: 'refresh_token', client_id: CLIENT_ID }),
      400,
      'invalid_request',
    );
    expect(entry.detail).toMatch(/refresh_token/);
  });

  it('refuses a refresh token presented by another client with 401', async () => {
    const { tokens } = await signIn(base);
    await expectOAuthError(
      await postToken(base, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'other-native',
      }),
      401,
      'invalid_grant',
    );
    // A refusal for the wrong client does not burn the token for the right one.
    expect((await refresh(base, tokens.refresh_token!)).status).toBe(200);
  });

  it('refuses an unknown client_id with 401 invalid_client', async () => {
    const { tokens } = await signIn(base);
    await expectOAuthError(
      await postToken(base, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'nobody',
      }),
      401,
      'invalid_client',
    );
  });

  it('refuses to refresh for a disabled user with 403, and works again once enabled', async () => {
    const { tokens } = await signIn(base, { user: ADA.id });
    await controlOk(base, 'POST', `/users/${ADA.id}/disable`);
    await expectError(await refresh(base, tokens.refresh_token!), 403, 'EMULATOR-USER_DISABLED');
    await expectError(await getMe(base, tokens.access_token), 401);
    await controlOk(base, 'POST', `/users/${ADA.id}/enable`);
    expect((await refresh(base, tokens.refresh_token!)).status).toBe(200);
  });

  it('refreshes an existing grant even when maxTokensPerUser is reached', async () => {
    const { tokens } = await signIn(base);
    await controlOk(base, 'PATCH', '/config', { maxTokensPerUser: 1 });
    expect((await refresh(base, tokens.refresh_token!)).status).toBe(200);
  });
});
