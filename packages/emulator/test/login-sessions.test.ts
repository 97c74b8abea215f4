// The tenant's login session (its cookie, which prompt=none relies on) and its timeouts, as Qlik
// Cloud's "Configuring session timeouts" describes them: an inactivity timeout (default 30
// minutes, 15 to 1,440) and a maximum duration (default 24 hours, 1 to 168), both independent of
// the tokens. A sign-out at the tenant ends the sessions and leaves issued tokens alone.
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/config/validate.js';
import { createTenant } from '../src/create-tenant.js';
import {
  fetch,
  ADA,
  ALAN,
  OTHER_ORIGIN,
  authorizeParams,
  controlApi,
  controlOk,
  emulatorPerTest,
  expectError,
  getAuthorize,
  getMe,
  pkce,
  redirectTarget,
  refresh,
  signIn,
  type ManualClock,
} from './helpers.js';

let clock: ManualClock;
let base: string;

emulatorPerTest(undefined, (started) => ({ clock, base } = started));

/** What a `prompt=none` authorization request with the cookie gets: a code, or the error. */
async function silently(cookie: string | undefined): Promise<string> {
  const res = await getAuthorize(
    base,
    authorizeParams(pkce().challenge, { prompt: 'none' }),
    cookie,
  );
  const query = redirectTarget(res).searchParams;
  return query.get('error') ?? (query.get('code') ? 'code' : 'nothing');
}

/** Whether an interactive authorization request with the cookie shows the login page. */
async function showsLoginPage(cookie: string | undefined): Promise<boolean> {
  const res = await getAuthorize(base, authorizeParams(pkce().challenge), cookie);
  if (res.status === 302) return false;
  expect(res.status).toBe(200);
  return (await res.text()).includes('Choose a user');
}

const minutes = (n: number) => n * 60;
const hours = (n: number) => n * 3600;

describe('the inactivity timeout', () => {
  it('lets prompt=none sign in silently while the session lives', async () => {
    const { cookie } = await signIn(base);
    clock.advance(minutes(29));
    expect(await silently(cookie)).toBe('code');
  });

  it('ends a session unused for 30 minutes: prompt=none gets login_required, and the login page shows', async () => {
    const { cookie } = await signIn(base);
    clock.advance(minutes(30));
    expect(await silently(cookie)).toBe('login_required');
    expect(await showsLoginPage(cookie)).toBe(true);
  });

  it('counts from the last use at the tenant, so a session in use lives on', async () => {
    const { cookie } = await signIn(base);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(minutes(25));
      expect(await silently(cookie)).toBe('code');
    }
  });

  it('is not put off by API calls with the tokens, which are independent of the session', async () => {
    const { cookie, tokens } = await signIn(base);
    for (let i = 0; i < 3; i += 1) {
      clock.advance(minutes(10));
      expect((await getMe(base, tokens.access_token)).status).toBe(200);
    }
    expect(await silently(cookie)).toBe('login_required');
  });
});

describe('the maximum duration', () => {
  it('ends a session 24 hours after the sign-in, however often it is used', async () => {
    const { cookie } = await signIn(base);
    for (let elapsed = 0; elapsed < hours(24) - minutes(20); elapsed += minutes(20)) {
      clock.advance(minutes(20));
      expect(await silently(cookie), `after ${elapsed / 60 + 20} minutes`).toBe('code');
    }
    clock.advance(minutes(20));
    expect(await silently(cookie)).toBe('login_required');
  });
});

describe('session timeout settings', () => {
  it('apply to sessions that start after a change, as on Qlik Cloud', async () => {
    const before = await signIn(base);
    await controlOk(base, 'PATCH', '/config', {
      sessionInactivityTimeoutMinutes: 15,
      maxSessionDurationHours: 1,
    });
    const after = await signIn(base, { user: ALAN.id });
    clock.advance(minutes(16));
    expect(await silently(before.cookie)).toBe('code');
    expect(await silently(after.cookie)).toBe('login_required');
  });

  it('end a session at the maximum duration set in hours', async () => {
    await controlOk(base, 'PATCH', '/config', { maxSessionDurationHours: 1 });
    const { cookie } = await signIn(base);
    clock.advance(minutes(29));
    expect(await silently(cookie)).toBe('code');
    clock.advance(minutes(29));
    expect(await silently(cookie)).toBe('code');
    clock.advance(minutes(2));
    expect(await silently(cookie)).toBe('login_required');
  });

  it('take seconds-long test settings over the minutes and hours, and null unsets them', async () => {
    await controlOk(base, 'PATCH', '/config', {
      sessionInactivityTimeoutSeconds: 2,
      maxSessionDurationSeconds: 5,
    });
    const idle = await signIn(base);
    clock.advance(2);
    expect(await silently(idle.cookie)).toBe('login_required');

    const busy = await signIn(base);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(1);
      expect(await silently(busy.cookie)).toBe('code');
    }
    clock.advance(1);
    expect(await silently(busy.cookie)).toBe('login_required');

    await controlOk(base, 'PATCH', '/config', {
      sessionInactivityTimeoutSeconds: null,
      maxSessionDurationSeconds: null,
    });
    const normal = await signIn(base);
    clock.advance(minutes(29));
    expect(await silently(normal.cookie)).toBe('code');
  });

  it('refuse values out of Qlik Cloud’s ranges, naming the setting', async () => {
    for (const [key, value, message] of [
      ['sessionInactivityTimeoutMinutes', 14, /from 15 to 1440/],
      ['sessionInactivityTimeoutMinutes', 1441, /from 15 to 1440/],
      ['sessionInactivityTimeoutMinutes', 20.5, /whole number/],
      ['maxSessionDurationHours', 0, /from 1 to 168/],
      ['maxSessionDurationHours', 169, /from 1 to 168/],
      ['sessionInactivityTimeoutSeconds', 0, /positive/],
    ] as const) {
      expect(() => resolveConfig({ [key]: value }), `${key}: ${value}`).toThrow(ConfigError);
      expect(() => resolveConfig({ [key]: value })).toThrow(new RegExp(`^${key} .*`));
      expect(() => resolveConfig({ [key]: value })).toThrow(message);
      const entry = await expectError(
        await controlApi(base, 'PATCH', '/config', { [key]: value }),
        400,
        'EMULATOR-3',
      );
      expect(entry.detail).toContain(key);
    }
    const config = resolveConfig({});
    expect(config.sessionInactivityTimeoutMinutes).toBe(30);
    expect(config.maxSessionDurationHours).toBe(24);
  });
});

describe('POST /__emulator/users/{id}/sign-out', () => {
  it('ends the user’s login sessions: prompt=none gets login_required and the login page shows', async () => {
    const first = await signIn(base);
    const second = await signIn(base);
    expect(await controlOk(base, 'POST', `/users/${ADA.id}/sign-out`)).toEqual({
      endedSessions: 2,
    });
    for (const { cookie } of [first, second]) {
      expect(await silently(cookie)).toBe('login_required');
      expect(await showsLoginPage(cookie)).toBe(true);
    }
  });

  it('leaves the tokens issued before alone, and other users’ sessions', async () => {
    const ada = await signIn(base);
    const alan = await signIn(base, { user: ALAN.id });
    await controlOk(base, 'POST', `/users/${ADA.id}/sign-out`);
    expect((await getMe(base, ada.tokens.access_token)).status).toBe(200);
    expect((await refresh(base, ada.tokens.refresh_token!)).status).toBe(200);
    expect(await silently(alan.cookie)).toBe('code');
  });

  it('answers endedSessions 0 for a user who is not signed in', async () => {
    expect(await controlOk(base, 'POST', `/users/${ALAN.id}/sign-out`)).toEqual({
      endedSessions: 0,
    });
  });

  it('refuses an unknown user with 404 and another method with 405', async () => {
    await expectError(await controlApi(base, 'POST', '/users/nobody/sign-out'), 404);
    await expectError(await controlApi(base, 'GET', `/users/${ADA.id}/sign-out`), 405);
  });

  it('refuses a page of another origin with 403, ending nothing', async () => {
    const { cookie } = await signIn(base);
    const res = await fetch(`${base}/__emulator/users/${ADA.id}/sign-out`, {
      method: 'POST',
      headers: { origin: OTHER_ORIGIN },
    });
    await expectError(res, 403);
    expect(await silently(cookie)).toBe('code');
  });
});

describe('the endLoginSessions control method', () => {
  it('ends the user’s sessions and says how many, and refuses an unknown user with status 404', async () => {
    const tenant = createTenant({ autoApprove: true });
    const authorize = new URL('http://localhost/oauth/authorize');
    for (const [key, value] of Object.entries(authorizeParams(pkce().challenge))) {
      if (value !== undefined) authorize.searchParams.set(key, value);
    }
    const first = await tenant.fetch(authorize, { redirect: 'manual' });
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    authorize.searchParams.set('prompt', 'none');
    const silent = async () =>
      new URL(
        (await tenant.fetch(authorize, { headers: { cookie } })).headers.get('location')!,
      ).searchParams.get('error');
    expect(await silent()).toBeNull();
    expect(tenant.endLoginSessions(ADA.id)).toBe(1);
    expect(await silent()).toBe('login_required');
    expect(() => tenant.endLoginSessions('nobody')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
  });

  it('is served for loopback host names only', async () => {
    const tenant = createTenant();
    const res = await tenant.fetch(`http://qlik.example/__emulator/users/${ADA.id}/sign-out`, {
      method: 'POST',
    });
    expect(res.status).toBe(421);
  });
});
