import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/config.js';
import {
  fetch,
  ACCESS_TOKEN_TYPE,
  ALAN,
  CLIENT_ID,
  IMPERSONATION,
  TOKEN_EXCHANGE,
  controlOk,
  expectError,
  expectOAuthError,
  getMe,
  json,
  postRevoke,
  postToken,
  emulatorPerTest,
  getCode,
  redeem,
  REDIRECT_URI,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

const BACKEND = { clientId: 'backend', clientSecret: 's3cret!:%' };
const REPORTER = { clientId: 'reporter', clientSecret: 'another-secret' };

let clock: ManualClock;
let base: string;

emulatorPerTest(
  {
    clients: [
      ...defaultConfig().clients,
      // A web client with a redirect URI: machine-to-machine grants, and a browser sign-in.
      { ...BACKEND, appType: 'web', redirectUris: [REDIRECT_URI], allowImpersonation: true },
      { ...REPORTER, appType: 'web', redirectUris: [] },
    ],
  },
  (started) => ({ clock, base } = started),
);

function basic(clientId: string, secret: string): Record<string, string> {
  const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

async function ok(res: Response): Promise<TokenBody> {
  const body = await json<TokenBody>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('client_credentials grant', () => {
  const request = (extra: Record<string, unknown> = {}) => ({
    grant_type: 'client_credentials',
    client_id: BACKEND.clientId,
    client_secret: BACKEND.clientSecret,
    ...extra,
  });

  it('issues a client token with bearer, expires_at and the default scope, and no refresh_token', async () => {
    const body = await ok(await postToken(base, request()));
    expect(body.token_type).toBe('bearer');
    expect(body.scope).toBe('user_default');
    expect(body.expires_at).toBe(new Date(clock.now() + 21600 * 1000).toISOString());
    expect(body.refresh_token).toBeUndefined();
    const claims = decodeJwt(body.access_token);
    expect(claims.sub).toBeUndefined();
    expect(claims.client_id).toBeUndefined();
    expect(claims.subType).toBe('client');
  });

  it('echoes the requested scope', async () => {
    const body = await ok(await postToken(base, request({ scope: 'admin_classic' })));
    expect(body.scope).toBe('admin_classic');
  });

  it('accepts a form-encoded body', async () => {
    await ok(await postToken(base, request(), { form: true }));
  });

  it('refuses a scope not assigned to the client with 400 invalid_scope', async () => {
    const entry = await expectOAuthError(
      await postToken(base, request({ scope: 'user_default apps:everything' })),
      400,
      'invalid_scope',
    );
    expect(entry.detail).toContain('apps:everything');
  });

  it('accepts the credentials as HTTP Basic, as the metadata advertises', async () => {
    await ok(
      await postToken(
        base,
        { grant_type: 'client_credentials' },
        { headers: basic(BACKEND.clientId, BACKEND.clientSecret) },
      ),
    );
    await expectOAuthError(
      await postToken(
        base,
        { grant_type: 'client_credentials' },
        { headers: basic(BACKEND.clientId, 'wrong') },
      ),
      401,
      'invalid_client',
    );
  });

  it('gives a token that reads the items API and whose users/me is the client’s bot user', async () => {
    const { access_token } = await ok(await postToken(base, request()));
    const items = await fetch(`${base}/api/v1/items?resourceType=app`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(items.status).toBe(200);
    const me = await getMe(base, access_token);
    expect(me.status).toBe(200);
    expect(await json(me)).toEqual({
      id: `bot-${BACKEND.clientId}`,
      tenantId: 'emulator-tenant',
      subject: `qlikbot\\${BACKEND.clientId}`,
      name: BACKEND.clientId,
      status: 'active',
      assignedRoles: [],
      assignedGroups: [],
      links: { self: { href: `${base}/api/v1/users/bot-${BACKEND.clientId}` } },
    });
  });

  it('refuses a wrong client_secret with 401 invalid_client', async () => {
    await expectOAuthError(
      await postToken(base, request({ client_secret: 'wrong' })),
      401,
      'invalid_client',
    );
  });

  it('refuses a missing client_secret or client_id with 400', async () => {
    await expectOAuthError(
      await postToken(base, request({ client_secret: undefined })),
      400,
      'invalid_request',
    );
    await expectOAuthError(
      await postToken(base, request({ client_id: undefined })),
      400,
      'invalid_request',
    );
  });

  it('refuses a public client or an unknown client with 401 invalid_client', async () => {
    await expectOAuthError(
      await postToken(base, request({ client_id: CLIENT_ID })),
      401,
      'invalid_client',
    );
    await expectOAuthError(
      await postToken(base, request({ client_id: 'nobody' })),
      401,
      'invalid_client',
    );
  });

  it('refuses malformed Basic credentials with 401 invalid_client, never 500', async () => {
    const broken = {
      authorization: `Basic ${Buffer.from('backend%zz:%E0%A4%A').toString('base64')}`,
    };
    await expectOAuthError(
      await postToken(base, { grant_type: 'client_credentials' }, { headers: broken }),
      401,
      'invalid_client',
    );
    const noColon = { authorization: `Basic ${Buffer.from('backend').toString('base64')}` };
    await expectOAuthError(
      await postToken(base, { grant_type: 'client_credentials' }, { headers: noColon }),
      401,
      'invalid_client',
    );
  });
});

describe('user impersonation grant', () => {
  const request = (extra: Record<string, unknown> = {}) => ({
    grant_type: IMPERSONATION,
    client_id: BACKEND.clientId,
    client_secret: BACKEND.clientSecret,
    user_lookup: { field: 'userId', value: ALAN.id },
    ...extra,
  });

  async function whoAmI(accessToken: string): Promise<string> {
    return (await json<{ id: string }>(await getMe(base, accessToken))).id;
  }

  it('issues a token for the user looked up by userId', async () => {
    const body = await ok(await postToken(base, request()));
    expect(body.token_type).toBe('bearer');
    expect(body.scope).toBe('user_default');
    expect(body.refresh_token).toBeUndefined();
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  it('looks a user up by subject', async () => {
    const body = await ok(
      await postToken(base, request({ user_lookup: { field: 'subject', value: ALAN.subject } })),
    );
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  it('accepts a form body with user_lookup[field] and user_lookup[value]', async () => {
    const body = await ok(
      await postToken(
        base,
        {
          grant_type: IMPERSONATION,
          client_id: BACKEND.clientId,
          client_secret: BACKEND.clientSecret,
          'user_lookup[field]': 'subject',
          'user_lookup[value]': ALAN.subject,
        },
        { form: true },
      ),
    );
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  it('accepts a form body whose user_lookup is a JSON string', async () => {
    const body = await ok(
      await postToken(
        base,
        {
          grant_type: IMPERSONATION,
          client_id: BACKEND.clientId,
          client_secret: BACKEND.clientSecret,
          user_lookup: JSON.stringify({ field: 'userId', value: ALAN.id }),
        },
        { form: true },
      ),
    );
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  it('accepts the client credentials as HTTP Basic', async () => {
    const body = await ok(
      await postToken(
        base,
        { grant_type: IMPERSONATION, user_lookup: { field: 'userId', value: ALAN.id } },
        { headers: basic(BACKEND.clientId, BACKEND.clientSecret) },
      ),
    );
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  // Qlik Cloud: machine-to-machine flows never issue refresh tokens (help, "Configuring OAuth
  // token duration"), whatever the client may otherwise get.
  it('issues no refresh token even when offline_access is asked for, and grants the rest', async () => {
    const body = await ok(await postToken(base, request({ scope: 'user_default offline_access' })));
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('user_default');
    expect(await whoAmI(body.access_token)).toBe(ALAN.id);
  });

  it('refuses a scope not assigned to the client with 400 invalid_scope', async () => {
    await expectOAuthError(
      await postToken(base, request({ scope: 'superuser' })),
      400,
      'invalid_scope',
    );
  });

  it('refuses a client that may not impersonate with 400 unauthorized_client', async () => {
    await expectOAuthError(
      await postToken(
        base,
        request({ client_id: REPORTER.clientId, client_secret: REPORTER.clientSecret }),
      ),
      400,
      'unauthorized_client',
    );
  });

  it('refuses a wrong secret with 401 invalid_client', async () => {
    await expectOAuthError(
      await postToken(base, request({ client_secret: 'nope' })),
      401,
      'invalid_client',
    );
  });

  it('refuses a missing or malformed user_lookup with 400', async () => {
    for (const user_lookup of [
      undefined,
      'not json',
      { field: 'email', value: 'alan@example.com' },
      { field: 'userId' },
      { field: 'userId', value: 42 },
      [],
      null,
    ]) {
      await expectOAuthError(
        await postToken(base, request({ user_lookup })),
        400,
        'invalid_request',
      );
    }
  });

  it('refuses a user_lookup that matches nobody with 400', async () => {
    await expectOAuthError(
      await postToken(base, request({ user_lookup: { field: 'userId', value: 'ghost' } })),
      400,
      'invalid_request',
    );
  });

  it('refuses a disabled user with 403', async () => {
    await controlOk(base, 'POST', `/users/${ALAN.id}/disable`);
    const entry = await expectError(
      await postToken(base, request()),
      403,
      'EMULATOR-USER_DISABLED',
    );
    expect(entry.meta?.error).toBe('access_denied');
  });

  it('refuses with 403 when the user has reached maxTokensPerUser', async () => {
    await controlOk(base, 'PATCH', '/config', { maxTokensPerUser: 2 });
    await ok(await postToken(base, request()));
    await ok(await postToken(base, request()));
    await expectError(await postToken(base, request()), 403, 'EMULATOR-TOO_MANY_TOKENS');
  });

  it('refuses a missing client_secret with 400', async () => {
    await expectOAuthError(
      await postToken(base, request({ client_secret: undefined })),
      400,
      'invalid_request',
    );
  });
});

describe('token exchange by a confidential client', () => {
  /** A user access token issued to the confidential BACKEND client (by impersonation). */
  async function backendUserToken(): Promise<string> {
    const body = await ok(
      await postToken(base, {
        grant_type: IMPERSONATION,
        client_id: BACKEND.clientId,
        client_secret: BACKEND.clientSecret,
        user_lookup: { field: 'userId', value: ALAN.id },
      }),
    );
    return body.access_token;
  }

  const exchange = (subjectToken: string, extra: Record<string, unknown> = {}) => ({
    grant_type: TOKEN_EXCHANGE,
    client_id: BACKEND.clientId,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    purpose: 'websocket',
    ...extra,
  });

  it('needs no client_secret: the OpenAPI token-exchange request has none', async () => {
    const body = await ok(await postToken(base, exchange(await backendUserToken())));
    expect(body.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
    expect(decodeJwt(body.access_token)).toMatchObject({ purpose: 'websocket', subType: 'user' });
  });

  it('accepts the right secret, in the body or as HTTP Basic', async () => {
    const subject = await backendUserToken();
    await ok(await postToken(base, exchange(subject, { client_secret: BACKEND.clientSecret })));
    await ok(
      await postToken(base, exchange(subject, { client_id: undefined }), {
        headers: basic(BACKEND.clientId, BACKEND.clientSecret),
      }),
    );
  });

  it('refuses a wrong secret with 401 invalid_client', async () => {
    await expectOAuthError(
      await postToken(base, exchange(await backendUserToken(), { client_secret: 'wrong' })),
      401,
      'invalid_client',
    );
  });

  it('refuses another client naming itself without a secret with 401 invalid_grant', async () => {
    await expectOAuthError(
      await postToken(base, exchange(await backendUserToken(), { client_id: REPORTER.clientId })),
      401,
      'invalid_grant',
    );
  });
});

describe('a confidential client authenticates to refresh and to revoke (RFC 6749 s6, RFC 7009 s2.1)', () => {
  /**
   * A token set with a refresh token, issued to the confidential BACKEND client for Alan's
   * browser sign-in: the one flow in which Qlik Cloud gives a web client a refresh token.
   */
  async function backendTokens(): Promise<TokenBody> {
    const code = await getCode(base, {
      scope: 'user_default offline_access',
      user: ALAN.id,
      extra: { client_id: BACKEND.clientId },
    });
    const tokens = await ok(
      await redeem(base, code, {
        client_id: BACKEND.clientId,
        client_secret: BACKEND.clientSecret,
      }),
    );
    expect(tokens.refresh_token).toBeTruthy();
    return tokens;
  }

  const refreshWith = (refreshToken: string, extra: Record<string, unknown> = {}) =>
    postToken(base, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });

  it('refuses a refresh without client authentication with 401 invalid_client', async () => {
    const { refresh_token } = await backendTokens();
    await expectOAuthError(await refreshWith(refresh_token!), 401, 'invalid_client');
    // Refused before reuse detection: the grant still works for the client itself.
    await ok(await refreshWith(refresh_token!, { client_secret: BACKEND.clientSecret }));
  });

  it('refuses a refresh with a wrong secret, or another client’s credentials', async () => {
    const { refresh_token } = await backendTokens();
    await expectOAuthError(
      await refreshWith(refresh_token!, { client_secret: 'wrong' }),
      401,
      'invalid_client',
    );
    await expectOAuthError(
      await refreshWith(refresh_token!, { client_secret: REPORTER.clientSecret }),
      401,
      'invalid_client',
    );
    await expectOAuthError(
      await refreshWith(refresh_token!, {
        client_id: REPORTER.clientId,
        client_secret: REPORTER.clientSecret,
      }),
      401,
      'invalid_grant',
    );
  });

  it('accepts the secret alone (the OpenAPI refresh request has no client_id), or Basic', async () => {
    const { refresh_token } = await backendTokens();
    const next = await ok(
      await refreshWith(refresh_token!, { client_secret: BACKEND.clientSecret }),
    );
    await ok(
      await postToken(
        base,
        { grant_type: 'refresh_token', refresh_token: next.refresh_token },
        { headers: basic(BACKEND.clientId, BACKEND.clientSecret) },
      ),
    );
  });

  it('refuses to revoke a confidential client’s token without its credentials, revoking nothing', async () => {
    const tokens = await backendTokens();
    await expectOAuthError(
      await postRevoke(base, { token: tokens.refresh_token }),
      401,
      'invalid_client',
    );
    await expectOAuthError(
      await postRevoke(base, { token: tokens.access_token, client_secret: 'wrong' }),
      401,
      'invalid_client',
    );
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
    await ok(await refreshWith(tokens.refresh_token!, { client_secret: BACKEND.clientSecret }));
  });

  it('refuses to revoke a token issued to another client, revoking nothing', async () => {
    const tokens = await backendTokens();
    await expectOAuthError(
      await postRevoke(base, {
        token: tokens.access_token,
        client_id: REPORTER.clientId,
        client_secret: REPORTER.clientSecret,
      }),
      400,
      'unauthorized_client',
    );
    // A public client naming itself cannot revoke a confidential client's token either.
    await expectOAuthError(
      await postRevoke(base, { token: tokens.access_token, client_id: CLIENT_ID }),
      400,
      'unauthorized_client',
    );
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
  });

  it('revokes with the owner’s credentials, in the body or as HTTP Basic', async () => {
    const tokens = await backendTokens();
    const res = await postRevoke(
      base,
      { token: tokens.access_token },
      { headers: basic(BACKEND.clientId, BACKEND.clientSecret) },
    );
    expect(res.status).toBe(200);
    await expectError(await getMe(base, tokens.access_token), 401);
    const body = await postRevoke(base, {
      token: tokens.refresh_token,
      client_id: BACKEND.clientId,
      client_secret: BACKEND.clientSecret,
    });
    expect(body.status).toBe(200);
    await expectOAuthError(
      await refreshWith(tokens.refresh_token!, { client_secret: BACKEND.clientSecret }),
      401,
      'invalid_grant',
    );
  });
});
