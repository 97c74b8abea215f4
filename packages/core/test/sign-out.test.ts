import { describe, expect, it } from 'vitest';
import { qlikError } from './tenant.js';
import { rawRecords, rejectionOf, setup, settled } from './helpers.js';

describe('signOut', () => {
  it('is signed out at once, before the revocation finishes', async () => {
    const { auth, signIn } = setup();
    await signIn(auth);
    const done = auth.signOut();
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
    expect((await rejectionOf(auth.getToken())).code).toBe('not_signed_in');
    await done;
  });

  it('revokes the refresh token and the access token (RFC 7009 section 2.1)', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    const accessToken = await auth.getToken();
    const [refreshToken] = tenant.refreshTokens;
    await auth.signOut();
    expect(tenant.revoked).toEqual(
      expect.arrayContaining([
        { token: refreshToken, hint: 'refresh_token' },
        { token: accessToken, hint: 'access_token' },
      ]),
    );
    expect(tenant.revoked).toHaveLength(2);
    for (const request of tenant.to('/oauth/revoke')) {
      expect(request.method).toBe('POST');
      expect(request.params.client_id).toBe(tenant.clientId);
    }
  });

  it('removes the session from storage, so a reload is signed out', async () => {
    const { auth, signIn, create, dbName } = setup();
    await signIn(auth);
    await auth.signOut();
    expect((await rawRecords(dbName)).has('session')).toBe(false);
    expect(await settled(create())).toEqual({ status: 'signedOut' });
  });

  it('signs out even when revocation fails, and reports the failure', async () => {
    const { auth, signIn, tenant, create, warnings } = setup();
    await signIn(auth);
    tenant.failNext('/oauth/revoke', new Response('down', { status: 503 }), 'drop');
    await auth.signOut();
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
    expect(await settled(create())).toEqual({ status: 'signedOut' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/revoking the tokens failed \((server_error|network_error)\)/);
  });

  it('reports a revocation the tenant refuses with a Qlik error body', async () => {
    const { auth, signIn, tenant, warnings } = setup();
    await signIn(auth);
    tenant.failNext('/oauth/revoke', qlikError(400, 'invalid_request', 'token is required'));
    await auth.signOut();
    expect(auth.getSnapshot().status).toBe('signedOut');
    expect(warnings[0]).toMatch(/request_rejected.*token is required/);
  });

  it('never puts a token in the warning', async () => {
    const { auth, signIn, tenant, warnings } = setup();
    await signIn(auth);
    const accessToken = await auth.getToken();
    const [refreshToken] = tenant.refreshTokens;
    tenant.failNext('/oauth/revoke', 'drop', 'drop');
    await auth.signOut();
    expect(warnings.join()).not.toContain(accessToken);
    expect(warnings.join()).not.toContain(refreshToken);
  });

  it('skips revocation with revoke: false', async () => {
    const { auth, signIn, tenant } = setup();
    await signIn(auth);
    await auth.signOut({ revoke: false });
    expect(tenant.to('/oauth/revoke')).toHaveLength(0);
    expect(auth.getSnapshot().status).toBe('signedOut');
  });

  it('revokes a session that was still being restored', async () => {
    const { auth, signIn, create, tenant } = setup();
    await signIn(auth);
    const reloaded = create();
    expect(reloaded.getSnapshot().status).toBe('loading');
    await reloaded.signOut();
    expect(reloaded.getSnapshot()).toEqual({ status: 'signedOut' });
    expect(tenant.revoked).toHaveLength(2);
  });

  it('navigates to a same-origin returnTo afterwards, and to / for anything else', async () => {
    const { auth, signIn, navigations } = setup();
    await signIn(auth);
    await auth.signOut({ returnTo: '/goodbye' });
    expect(navigations.at(-1)).toBe('/goodbye');
    await auth.signOut({ returnTo: 'https://evil.example/' });
    expect(navigations.at(-1)).toBe('/');
  });

  it('clears a previous error', async () => {
    const { auth } = setup();
    await rejectionOf(auth.handleRedirectCallback('http://localhost:3000/callback?code=x'));
    expect(auth.getSnapshot().error?.code).toBe('state_mismatch');
    await auth.signOut();
    expect(auth.getSnapshot()).toEqual({ status: 'signedOut' });
  });
});
