import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type EmulatorConfig } from '../src/index.js';
import {
  fetch,
  ADA,
  ALAN,
  APP_ORIGIN,
  CLIENT_ID,
  REDIRECT_URI,
  SALES_APP,
  engineUrl,
  expectError,
  getMe,
  handshake,
  json,
  purposeToken,
  signIn,
  start,
  type RunningEmulator,
} from './helpers.js';

/** One native client whose allow list has Qlik's fine-grained scopes beside user_default. */
const config: Partial<EmulatorConfig> = {
  clients: [
    {
      clientId: CLIENT_ID,
      appType: 'native',
      redirectUris: [REDIRECT_URI],
      allowedOrigins: [APP_ORIGIN],
      scopes: ['user_default', 'offline_access', 'apps:read', 'identity.name:read'],
    },
  ],
};

let emulator: RunningEmulator;
let base: string;
let accessToken: string;

beforeAll(async () => {
  emulator = await start({ config });
  base = emulator.url;
  accessToken = (await signIn(base, { user: ADA.id })).tokens.access_token;
});
afterAll(() => emulator.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('access tokens shaped like Qlik Cloud’s (qlik.dev changelog 67)', () => {
  it('carry only subType, purpose, jti, iat, exp, aud (the tenant) and iss "qlik.api"', () => {
    const claims = decodeJwt(accessToken);
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'exp', 'iat', 'iss', 'jti', 'purpose', 'subType'].sort(),
    );
    expect(claims).toMatchObject({
      subType: 'user',
      purpose: 'accessToken',
      iss: 'qlik.api',
      aud: base,
    });
  });

  it('give a purpose token the same claims, with its purpose', async () => {
    const claims = decodeJwt(await purposeToken(base, accessToken, 'websocket'));
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'exp', 'iat', 'iss', 'jti', 'purpose', 'subType'].sort(),
    );
    expect(claims.purpose).toBe('websocket');
  });
});

describe('GET /api/v1/users/me and /api/v1/users/{id}', () => {
  it('answers users/me with a 302 to the token’s user, with CORS for an allowed origin', async () => {
    const res = await fetch(`${base}/api/v1/users/me`, {
      headers: { ...bearer(accessToken), origin: APP_ORIGIN },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${base}/api/v1/users/${ADA.id}`);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('answers the preflight a browser sends again for the redirect target', async () => {
    const res = await fetch(`${base}/api/v1/users/${ADA.id}`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
  });

  it('describes the user in Qlik’s User shape: assignedRoles objects, no roles', async () => {
    const res = await getMe(base, accessToken);
    expect(res.status).toBe(200);
    const user = await json<Record<string, unknown>>(res);
    expect(user).toMatchObject({
      id: ADA.id,
      tenantId: 'emulator-tenant',
      subject: ADA.subject,
      name: 'Ada Lovelace',
      email: ADA.email,
      status: 'active',
      assignedRoles: [{ name: 'TenantAdmin', type: 'default', level: 'admin' }],
      assignedGroups: [],
    });
    expect(typeof (user.assignedRoles as { id: unknown }[])[0]!.id).toBe('string');
    expect(user).not.toHaveProperty('roles');
  });

  it('answers another user’s id with 404 USERS-7', async () => {
    const res = await fetch(`${base}/api/v1/users/${ALAN.id}`, { headers: bearer(accessToken) });
    await expectError(res, 404, 'USERS-7');
  });

  it('refuses users/{id} without a token with 401', async () => {
    await expectError(await fetch(`${base}/api/v1/users/${ADA.id}`), 401);
  });

  it('is followed by tenant.fetch as fetch would, unless redirect is manual', async () => {
    const tenant = createTenant({
      clients: [{ clientId: 'backend', clientSecret: 's', redirectUris: [REDIRECT_URI] }],
    });
    const origin = 'http://localhost:8787';
    const token = await tenant.fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: 'backend',
        client_secret: 's',
      }),
    });
    const { access_token } = await json<{ access_token: string }>(token);
    const followed = await tenant.fetch(`${origin}/api/v1/users/me`, {
      headers: bearer(access_token),
    });
    expect(followed.status).toBe(200);
    expect(await json(followed)).toMatchObject({ id: 'bot-backend', subject: 'qlikbot\\backend' });
    const manual = await tenant.fetch(`${origin}/api/v1/users/me`, {
      headers: bearer(access_token),
      redirect: 'manual',
    });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(`${origin}/api/v1/users/bot-backend`);
  });
});

describe('scopes the APIs check', () => {
  it('leaves out the identity fields a narrow token may not read', async () => {
    const narrow = (await signIn(base, { scope: 'identity.name:read', user: ADA.id })).tokens;
    expect(narrow.scope).toBe('identity.name:read');
    const user = await json<Record<string, unknown>>(await getMe(base, narrow.access_token));
    expect(user).toMatchObject({ id: ADA.id, name: 'Ada Lovelace' });
    expect(user).not.toHaveProperty('email');
    expect(user).not.toHaveProperty('subject');
  });

  it('refuses the items API, thumbnails and the engine socket without a scope that reads apps', async () => {
    const narrow = (await signIn(base, { scope: 'identity.name:read' })).tokens.access_token;
    const items = await fetch(`${base}/api/v1/items`, { headers: bearer(narrow) });
    const entry = await expectError(items, 403, 'EMULATOR-INSUFFICIENT_SCOPE');
    expect(entry.meta?.error).toBe('insufficient_scope');
    const webresource = await purposeToken(base, narrow, 'webresource');
    const thumbnail = `${base}/api/v1/apps/${SALES_APP.id}/media/thumbnail?accessToken=${webresource}`;
    await expectError(await fetch(thumbnail), 403, 'EMULATOR-INSUFFICIENT_SCOPE');
    const refused = await handshake(engineUrl(base, SALES_APP.id), bearer(narrow));
    expect(refused.status).toBe(403);
  });

  it('lets apps:read read apps', async () => {
    const apps = (await signIn(base, { scope: 'apps:read' })).tokens.access_token;
    const items = await fetch(`${base}/api/v1/items`, { headers: bearer(apps) });
    expect(items.status).toBe(200);
    expect((await handshake(engineUrl(base, SALES_APP.id), bearer(apps))).status).toBe(101);
  });
});

describe('admin_classic is for web clients only (help.qlik.com OAuth scopes reference)', () => {
  for (const appType of ['spa', 'native'] as const) {
    it(`refuses a config that gives it to an ${appType} client, naming the client`, () => {
      expect(() =>
        createTenant({
          clients: [
            { clientId: 'mine', appType, redirectUris: [REDIRECT_URI], scopes: ['admin_classic'] },
          ],
        }),
      ).toThrow(/clients\[0\]\.scopes cannot include admin_classic.*mine/);
    });
  }

  it('accepts it for a web client', () => {
    expect(() =>
      createTenant({
        clients: [
          {
            clientId: 'backend',
            clientSecret: 's',
            redirectUris: [REDIRECT_URI],
            scopes: ['admin_classic'],
          },
        ],
      }),
    ).not.toThrow();
  });

  it('refuses it at the authorization endpoint for a default spa or native client', async () => {
    const other = await start();
    try {
      const res = await fetch(
        `${other.url}/oauth/authorize?${new URLSearchParams({
          client_id: CLIENT_ID,
          redirect_uri: REDIRECT_URI,
          response_type: 'code',
          scope: 'user_default admin_classic',
          state: 's',
          code_challenge: 'a'.repeat(43),
          code_challenge_method: 'S256',
        })}`,
        { redirect: 'manual' },
      );
      const target = new URL(res.headers.get('location')!);
      expect(target.searchParams.get('error')).toBe('invalid_scope');
    } finally {
      await other.close();
    }
  });
});
