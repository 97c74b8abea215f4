// Token lifetimes per client, as Qlik Cloud's management console sets them ("Configuring OAuth
// token duration": access tokens 15 to 1,440 minutes, default 360; refresh tokens 1 to 720
// hours, default 720, longer than the access tokens), and the tenant-wide test settings in
// seconds that override them when set.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/config.js';
import { ConfigError, resolveConfig } from '../src/config/validate.js';
import { createTenant } from '../src/create-tenant.js';
import {
  REDIRECT_URI,
  controlApi,
  controlOk,
  emulatorPerTest,
  expectError,
  expectOAuthError,
  getCode,
  json,
  postToken,
  redeem,
  refresh,
  start,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

const SHORT = 'short-lived';
const BACKEND = { clientId: 'backend', clientSecret: 'backend-secret' };

let clock: ManualClock;
let base: string;

emulatorPerTest(
  {
    clients: [
      ...defaultConfig().clients,
      {
        clientId: SHORT,
        appType: 'native',
        redirectUris: [REDIRECT_URI],
        accessTokenLifetimeMinutes: 15,
        refreshTokenLifetimeHours: 1,
      },
      { ...BACKEND, appType: 'web', redirectUris: [], accessTokenLifetimeMinutes: 60 },
    ],
  },
  (started) => ({ clock, base } = started),
);

/** A sign-in of `clientId` with offline_access; the token response. */
async function tokensOf(clientId: string): Promise<TokenBody> {
  const code = await getCode(base, {
    scope: 'user_default offline_access',
    extra: { client_id: clientId },
  });
  const res = await redeem(base, code, { client_id: clientId });
  expect(res.status).toBe(200);
  return json<TokenBody>(res);
}

/** Seconds from now to a token response's `expires_at`. */
const lifetime = (body: TokenBody) => (Date.parse(body.expires_at!) - clock.now()) / 1000;

const refreshAs = (clientId: string, refreshToken: string) =>
  postToken(base, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
  });

describe('lifetimes per client', () => {
  it('issues access tokens for 360 minutes by default', async () => {
    expect(lifetime(await tokensOf('demo-native'))).toBe(360 * 60);
  });

  it('issues access tokens for the client’s accessTokenLifetimeMinutes, refreshed ones too', async () => {
    const tokens = await tokensOf(SHORT);
    expect(lifetime(tokens)).toBe(15 * 60);
    const next = await json<TokenBody>(await refreshAs(SHORT, tokens.refresh_token!));
    expect(lifetime(next)).toBe(15 * 60);
  });

  it('gives client_credentials tokens the client’s access token lifetime', async () => {
    const res = await postToken(base, {
      grant_type: 'client_credentials',
      client_id: BACKEND.clientId,
      client_secret: BACKEND.clientSecret,
    });
    expect(lifetime(await json<TokenBody>(res))).toBe(60 * 60);
  });

  it('refuses a refresh token once its refreshTokenLifetimeHours are over', async () => {
    const tokens = await tokensOf(SHORT);
    clock.advance(3599);
    const next = await json<TokenBody>(await refreshAs(SHORT, tokens.refresh_token!));
    expect(next.refresh_token).toBeTruthy();
    clock.advance(3600);
    await expectOAuthError(await refreshAs(SHORT, next.refresh_token!), 401, 'invalid_grant');
  });

  it('keeps a default refresh token for 720 hours', async () => {
    const tokens = await tokensOf('demo-native');
    clock.advance(720 * 3600 - 1);
    expect((await refresh(base, tokens.refresh_token!)).status).toBe(200);
    const other = await tokensOf('demo-native');
    clock.advance(720 * 3600);
    await expectOAuthError(await refresh(base, other.refresh_token!), 401, 'invalid_grant');
  });
});

describe('the tenant-wide test settings', () => {
  it('override every client’s lifetimes while set, and null unsets them (PATCH /__emulator/config)', async () => {
    const config = await controlOk<Record<string, unknown>>(base, 'PATCH', '/config', {
      accessTokenTtlSeconds: 5,
      refreshTokenTtlSeconds: 20,
    });
    expect(config).toMatchObject({ accessTokenTtlSeconds: 5, refreshTokenTtlSeconds: 20 });
    const tokens = await tokensOf(SHORT);
    expect(lifetime(tokens)).toBe(5);
    expect(lifetime(await tokensOf('demo-native'))).toBe(5);
    clock.advance(20);
    await expectOAuthError(await refreshAs(SHORT, tokens.refresh_token!), 401, 'invalid_grant');

    const unset = await controlOk<Record<string, unknown>>(base, 'PATCH', '/config', {
      accessTokenTtlSeconds: null,
      refreshTokenTtlSeconds: null,
    });
    expect(unset).not.toHaveProperty('accessTokenTtlSeconds');
    expect(unset).not.toHaveProperty('refreshTokenTtlSeconds');
    const again = await tokensOf(SHORT);
    expect(lifetime(again)).toBe(15 * 60);
    clock.advance(20);
    expect((await refreshAs(SHORT, again.refresh_token!)).status).toBe(200);
  });

  it('override the clients’ lifetimes from a config, and the control methods unset them', async () => {
    const tenant = createTenant({
      accessTokenTtlSeconds: 30,
      clients: [{ clientId: 'c', appType: 'native', redirectUris: [REDIRECT_URI] }],
    });
    expect(tenant.config().accessTokenTtlSeconds).toBe(30);
    expect(tenant.configure({ accessTokenTtlSeconds: null })).not.toHaveProperty(
      'accessTokenTtlSeconds',
    );
    // A reset brings back the config the tenant was created with.
    tenant.reset();
    expect(tenant.config().accessTokenTtlSeconds).toBe(30);
  });

  it('are unset by default: the clients’ own lifetimes apply', () => {
    const config = resolveConfig({});
    expect(config.accessTokenTtlSeconds).toBeUndefined();
    expect(config.refreshTokenTtlSeconds).toBeUndefined();
  });

  it('cannot be negative, zero or a string, and only the test settings can be unset', async () => {
    for (const change of [
      { accessTokenTtlSeconds: 0 },
      { refreshTokenTtlSeconds: -5 },
      { accessTokenTtlSeconds: '60' },
      { purposeTokenTtlSeconds: null },
      { autoApprove: null },
    ]) {
      await expectError(await controlApi(base, 'PATCH', '/config', change), 400, 'EMULATOR-3');
    }
  });
});

describe('a client lifetime out of Qlik Cloud’s range', () => {
  /** The ConfigError message for a config of one client, or undefined when it is accepted. */
  function refusal(client: Record<string, unknown>): string | undefined {
    try {
      resolveConfig({
        clients: [{ clientId: 'c', appType: 'native', redirectUris: [REDIRECT_URI], ...client }],
      });
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  }

  it('refuses an access token lifetime outside 15 to 1,440 whole minutes, naming the setting', () => {
    for (const minutes of [14, 1441, 0, -1, 60.5, '60', null]) {
      expect(refusal({ accessTokenLifetimeMinutes: minutes }), String(minutes)).toMatch(
        /^clients\[0\]\.accessTokenLifetimeMinutes must be a whole number of minutes from 15 to 1440/,
      );
    }
    for (const minutes of [15, 360, 1440]) {
      expect(refusal({ accessTokenLifetimeMinutes: minutes })).toBeUndefined();
    }
  });

  it('refuses a refresh token lifetime outside 1 to 720 whole hours, naming the setting', () => {
    for (const hours of [0, 721, 1.5, '24']) {
      expect(refusal({ refreshTokenLifetimeHours: hours }), String(hours)).toMatch(
        /^clients\[0\]\.refreshTokenLifetimeHours must be a whole number of hours from 1 to 720/,
      );
    }
    expect(refusal({ refreshTokenLifetimeHours: 720 })).toBeUndefined();
  });

  it('refuses a refresh token lifetime that is not longer than the access token lifetime', () => {
    expect(refusal({ accessTokenLifetimeMinutes: 120, refreshTokenLifetimeHours: 2 })).toMatch(
      /^clients\[0\]\.refreshTokenLifetimeHours \(2 h\) must be longer than accessTokenLifetimeMinutes \(120 min\)/,
    );
    // The default access token lifetime (6 hours) counts too.
    expect(refusal({ refreshTokenLifetimeHours: 6 })).toMatch(/refreshTokenLifetimeHours/);
    expect(refusal({ accessTokenLifetimeMinutes: 120, refreshTokenLifetimeHours: 3 })).toBe(
      undefined,
    );
  });

  it('refuses a refresh token lifetime on an spa, which never gets refresh tokens', () => {
    expect(refusal({ appType: 'spa', refreshTokenLifetimeHours: 24 })).toMatch(
      /^clients\[0\]\.refreshTokenLifetimeHours must be left out/,
    );
  });

  it('keeps the emulator from starting', async () => {
    await expect(
      start({
        config: {
          clients: [
            {
              clientId: 'c',
              redirectUris: [REDIRECT_URI],
              accessTokenLifetimeMinutes: 5,
            },
          ],
        },
      }),
    ).rejects.toThrow(/clients\[0\]\.accessTokenLifetimeMinutes/);
    expect(() =>
      createTenant({
        clients: [{ clientId: 'c', redirectUris: [], accessTokenLifetimeMinutes: 2000 }],
      }),
    ).toThrow(ConfigError);
  });
});
