import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fetch,
  ADA,
  APP_ORIGIN,
  OTHER_ORIGIN,
  rawRequest,
  CLIENT_ID,
  controlApi,
  controlOk,
  expectError,
  getAuthorize,
  authorizeParams,
  getMe,
  json,
  manualClock,
  pkce,
  postRevoke,
  queuedRandom,
  refresh,
  signIn,
  start,
  type ManualClock,
  type RunningEmulator,
  type TokenBody,
} from './helpers.js';
import type { EmulatorOptions } from '../src/hosts/server.js';

let emulator: RunningEmulator;
let clock: ManualClock;
let base: string;

async function restart(options: EmulatorOptions = {}) {
  await emulator?.close();
  clock = manualClock();
  emulator = await start({ now: clock.now, ...options });
  base = emulator.url;
}

beforeEach(() => restart());
afterEach(() => emulator.close());

interface LogEntry {
  id: number;
  method: string;
  path: string;
  status?: number;
  grantType?: string;
  clientId?: string;
  fault?: string;
  error?: string;
  reuseDetected?: boolean;
}

interface Fault {
  id: string;
  path: string;
  hits: number;
}

const log = async () => (await controlOk<{ data: LogEntry[] }>(base, 'GET', '/requests')).data;
const addFault = (fault: Record<string, unknown>) =>
  controlOk<Fault>(base, 'POST', '/faults', fault);
const wellKnown = () => fetch(`${base}/.well-known/oauth-authorization-server`);
const badRefresh = () => refresh(base, 'nope');

describe('the request log', () => {
  it('records method, path, grant type and status of each request, never tokens', async () => {
    const { tokens, code } = await signIn(base);
    await refresh(base, tokens.refresh_token!);
    await getMe(base, tokens.access_token);
    const entries = await log();
    const paths = entries.map((e) => `${e.method} ${e.path} ${e.status}`);
    expect(paths).toEqual([
      'GET /oauth/authorize 200',
      'POST /oauth/authorize/login 302',
      'POST /oauth/token 200',
      'POST /oauth/token 200',
      // users/me redirects to the user's record, which the client's fetch follows.
      'GET /api/v1/users/me 302',
      'GET /api/v1/users/user-ada 200',
    ]);
    expect(entries[2]).toMatchObject({ grantType: 'authorization_code', clientId: CLIENT_ID });
    expect(entries[3]).toMatchObject({ grantType: 'refresh_token' });
    const text = JSON.stringify(entries);
    for (const secret of [tokens.access_token, tokens.refresh_token!, code]) {
      expect(text).not.toContain(secret);
    }
  });

  it('records refusals with their status and error code', async () => {
    await badRefresh();
    expect((await log()).at(-1)).toMatchObject({
      method: 'POST',
      path: '/oauth/token',
      grantType: 'refresh_token',
      status: 401,
      error: 'EMULATOR-INVALID_GRANT',
    });
  });

  it('does not record the control API itself', async () => {
    await wellKnown();
    await log();
    await controlOk(base, 'GET', '/stats');
    expect((await log()).map((e) => e.path)).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('is cleared by DELETE', async () => {
    await wellKnown();
    expect(await controlOk(base, 'DELETE', '/requests')).toEqual({ data: [] });
    expect(await log()).toEqual([]);
    await wellKnown();
    expect(await log()).toHaveLength(1);
  });
});

describe('faults', () => {
  it('answers with the injected status and body', async () => {
    const fault = await addFault({
      path: '/oauth/token',
      status: 503,
      body: { errors: [{ code: 'X-1', title: 'Down for maintenance', status: '503' }] },
    });
    expect(fault.id).toBeTruthy();
    expect(fault.hits).toBe(0);
    const res = await badRefresh();
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({
      errors: [{ code: 'X-1', title: 'Down for maintenance', status: '503' }],
    });
    expect((await log()).at(-1)).toMatchObject({
      path: '/oauth/token',
      status: 503,
      fault: 'status',
    });
    const listed = await controlOk<{ data: Fault[] }>(base, 'GET', '/faults');
    expect(listed.data).toMatchObject([{ id: fault.id, hits: 1 }]);
  });

  it('defaults the body to the errors body of the status', async () => {
    await addFault({ path: '/oauth/token', status: 500 });
    await expectError(await badRefresh(), 500, 'HTTP-500');
  });

  it('sends a string body as plain text, never as a page that could run on the emulator', async () => {
    await addFault({ path: '/api/v1/users/me', status: 502, body: '<h1>Bad gateway</h1>' });
    const res = await fetch(`${base}/api/v1/users/me`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('<h1>Bad gateway</h1>');
  });

  it('refuses a 1xx status with 400 EMULATOR-1: a fault must end the request', async () => {
    for (const status of [100, 101, 103, 199]) {
      await expectError(
        await controlApi(base, 'POST', '/faults', { path: '/oauth/token', status }),
        400,
        'EMULATOR-1',
      );
    }
    expect((await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data).toEqual([]);
    await addFault({ path: '/oauth/token', status: 200, times: 1 });
    expect((await badRefresh()).status).toBe(200);
  });

  it('applies to the next N requests only with times', async () => {
    await addFault({ path: '/.well-known/oauth-authorization-server', status: 429, times: 2 });
    expect((await wellKnown()).status).toBe(429);
    expect((await wellKnown()).status).toBe(429);
    expect((await wellKnown()).status).toBe(200);
  });

  it('applies to a fraction of requests with probability, drawn from the injected random', async () => {
    await restart({ random: queuedRandom([0.9, 0.1, 0.5, 0.49]) });
    await addFault({
      path: '/.well-known/oauth-authorization-server',
      status: 503,
      probability: 0.5,
    });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await wellKnown()).status);
    expect(statuses).toEqual([200, 503, 200, 503]);
  });

  it('delays a request by delayMs, which then proceeds normally', async () => {
    await addFault({ path: '/.well-known/oauth-authorization-server', delayMs: 150, times: 1 });
    const started = performance.now();
    const res = await wellKnown();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    expect((await log()).at(-1)).toMatchObject({ fault: 'delay', status: 200 });
  });

  it('drops the connection so fetch rejects', async () => {
    await addFault({ path: '/oauth/token', drop: true, times: 1 });
    await expect(badRefresh()).rejects.toThrow(TypeError);
    expect((await badRefresh()).status).toBe(401);
    expect((await log()).map((e) => e.fault)).toEqual(['drop', undefined]);
  });

  it('processes the request and then drops its answer with dropAfter: the refresh token is rotated unseen', async () => {
    const { tokens } = await signIn(base);
    const fault = await addFault({ path: '/oauth/token', dropAfter: true, times: 1 });
    expect(fault).toMatchObject({ path: '/oauth/token', dropAfter: true, times: 1, hits: 0 });
    await expect(refresh(base, tokens.refresh_token!)).rejects.toThrow(TypeError);
    // The answer never came, but the tenant rotated: the same token again is a reuse.
    const retry = await refresh(base, tokens.refresh_token!);
    await expectError(retry, 401);
    const entries = (await log()).filter((e) => e.path === '/oauth/token');
    expect(entries.slice(-2)).toEqual([
      expect.objectContaining({ grantType: 'refresh_token', fault: 'dropAfter', status: 200 }),
      expect.objectContaining({ grantType: 'refresh_token', status: 401, reuseDetected: true }),
    ]);
    expect((await controlOk<{ refreshes: number }>(base, 'GET', '/stats')).refreshes).toBe(1);
  });

  it('drops a refusal after processing it too: the answer is lost whatever it was', async () => {
    await addFault({ path: '/oauth/token', dropAfter: true, times: 1 });
    await expect(badRefresh()).rejects.toThrow(TypeError);
    expect((await log()).at(-1)).toMatchObject({ fault: 'dropAfter', status: 401 });
    expect((await badRefresh()).status).toBe(401);
  });

  it('matches a path prefix ending in * and an optional method', async () => {
    await addFault({ path: '/api/v1/*', method: 'get', status: 500 });
    expect((await fetch(`${base}/api/v1/items`)).status).toBe(500);
    expect((await fetch(`${base}/api/v1/users/me`)).status).toBe(500);
    const post = await fetch(`${base}/api/v1/users/me`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await wellKnown()).status).toBe(200);
  });

  it('never applies to the control API', async () => {
    await addFault({ path: '/__emulator/*', status: 500 });
    expect((await controlApi(base, 'GET', '/requests')).status).toBe(200);
  });

  it('is removed by DELETE /__emulator/faults/{id}', async () => {
    const keep = await addFault({ path: '/api/v1/items', status: 500 });
    const remove = await addFault({ path: '/.well-known/oauth-authorization-server', status: 500 });
    const res = await controlApi(base, 'DELETE', `/faults/${remove.id}`);
    expect(res.status).toBe(204);
    expect((await wellKnown()).status).toBe(200);
    expect(
      (await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data.map((f) => f.id),
    ).toEqual([keep.id]);
    await expectError(await controlApi(base, 'DELETE', `/faults/${remove.id}`), 404);
  });

  it('are all removed by DELETE /__emulator/faults', async () => {
    await addFault({ path: '/.well-known/oauth-authorization-server', status: 500 });
    expect(await controlOk(base, 'DELETE', '/faults')).toEqual({ data: [] });
    expect((await wellKnown()).status).toBe(200);
  });

  it('refuses a malformed fault with 400 EMULATOR-1', async () => {
    for (const fault of [
      [],
      { status: 500 },
      { path: 'oauth/token', status: 500 },
      { path: '/oauth/token' },
      { path: '/oauth/token', status: 99 },
      { path: '/oauth/token', status: 500.5 },
      { path: '/oauth/token', delayMs: -1 },
      { path: '/oauth/token', delayMs: 'soon' },
      { path: '/oauth/token', drop: 'yes' },
      { path: '/oauth/token', dropAfter: 'yes' },
      { path: '/oauth/token', dropAfter: true, drop: true },
      { path: '/oauth/token', dropAfter: true, status: 500 },
      { path: '/oauth/token', dropAfter: false },
      { path: '/oauth/token', status: 500, times: 0 },
      { path: '/oauth/token', status: 500, probability: 2 },
      { path: '/oauth/token', status: 500, method: 7 },
    ]) {
      await expectError(await controlApi(base, 'POST', '/faults', fault), 400, 'EMULATOR-1');
    }
    expect((await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data).toEqual([]);
  });

  it('refuses a fault body that is not JSON with 400 EMULATOR-2', async () => {
    const res = await fetch(`${base}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"path":',
    });
    await expectError(res, 400, 'EMULATOR-2');
  });
});

describe('runtime config', () => {
  it('reads the config and changes lifetimes at run time', async () => {
    // Unset: each client's own lifetime applies (6 hours by default) until a test sets it.
    const before = await controlOk<{ accessTokenTtlSeconds?: number }>(base, 'GET', '/config');
    expect(before.accessTokenTtlSeconds).toBeUndefined();
    const after = await controlOk<{ accessTokenTtlSeconds: number; expiryFields: string }>(
      base,
      'PATCH',
      '/config',
      { accessTokenTtlSeconds: 60, expiryFields: 'both' },
    );
    expect(after).toMatchObject({ accessTokenTtlSeconds: 60, expiryFields: 'both' });
    const { tokens } = await signIn(base);
    expect(tokens.expires_in).toBe(60);
    expect(tokens.expires_at).toBe(new Date(clock.now() + 60_000).toISOString());
    clock.advance(60);
    await expectError(await getMe(base, tokens.access_token), 401);
  });

  it('answers expires_in alone when expiryFields is expires_in', async () => {
    await controlOk(base, 'PATCH', '/config', { expiryFields: 'expires_in' });
    const { tokens } = await signIn(base);
    expect(tokens.expires_in).toBe(21600);
    expect(tokens.expires_at).toBeUndefined();
  });

  it('turns autoApprove on at run time', async () => {
    await controlOk(base, 'PATCH', '/config', { autoApprove: true });
    expect((await signIn(base)).sawLoginPage).toBe(false);
  });

  it('refuses invalid changes with 400 EMULATOR-3 and applies none of them', async () => {
    for (const change of [
      { accessTokenTtlSeconds: 0 },
      { accessTokenTtlSeconds: '60' },
      { purposeTokenTtlSeconds: Number.MAX_SAFE_INTEGER },
      { maxTokensPerUser: -1 },
      { reuseGraceSeconds: 0 },
      { reuseGraceSeconds: '30' },
      { autoApprove: 'yes' },
      { expiryFields: 'never' },
      { clients: [] },
      { bogus: 1 },
      { accessTokenTtlSeconds: 60, bogus: 1 },
      [],
      'text',
      null,
    ]) {
      await expectError(await controlApi(base, 'PATCH', '/config', change), 400, 'EMULATOR-3');
    }
    const config = await controlOk<{ accessTokenTtlSeconds?: number }>(base, 'GET', '/config');
    expect(config.accessTokenTtlSeconds).toBeUndefined();
  });

  it('refuses a config body that is not JSON with 400 EMULATOR-2', async () => {
    const res = await fetch(`${base}/__emulator/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: 'ttl=5',
    });
    await expectError(res, 400, 'EMULATOR-2');
  });
});

describe('users', () => {
  it('revokes every grant of a user', async () => {
    const one = await signIn(base, { user: ADA.id });
    const two = await signIn(base, { user: ADA.id });
    const result = await controlOk<{ revokedGrants: number }>(
      base,
      'POST',
      `/users/${ADA.id}/revoke`,
    );
    expect(result.revokedGrants).toBe(2);
    for (const { tokens } of [one, two]) {
      await expectError(await getMe(base, tokens.access_token), 401);
      await expectError(await refresh(base, tokens.refresh_token!), 401);
    }
  });

  it('disables and enables a user', async () => {
    const { tokens } = await signIn(base, { user: ADA.id });
    const disabled = await controlOk<{ disabled: boolean }>(
      base,
      'POST',
      `/users/${ADA.id}/disable`,
    );
    expect(disabled.disabled).toBe(true);
    await expectError(await getMe(base, tokens.access_token), 401);
    await controlOk(base, 'POST', `/users/${ADA.id}/enable`);
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
  });

  it('answers 404 for an unknown user and 405 for GET', async () => {
    await expectError(await controlApi(base, 'POST', '/users/ghost/disable'), 404);
    await expectError(await controlApi(base, 'POST', '/users/%E0%A4%A/disable'), 404);
    await expectError(await controlApi(base, 'GET', `/users/${ADA.id}/disable`), 405);
  });
});

describe('reset, stats and the rest of the control API', () => {
  it('counts tokens, refreshes and revocations', async () => {
    const { tokens } = await signIn(base);
    const next = await json<TokenBody>(await refresh(base, tokens.refresh_token!));
    await postRevoke(base, { token: next.refresh_token });
    expect(await controlOk(base, 'GET', '/stats')).toEqual({
      tokensIssued: 2,
      refreshes: 1,
      reuseDetections: 0,
      revocations: 1,
    });
  });

  it('reset forgets tokens, sessions, the log, faults, counters and runtime config', async () => {
    const { tokens, cookie } = await signIn(base);
    await controlOk(base, 'PATCH', '/config', { accessTokenTtlSeconds: 60 });
    await addFault({ path: '/api/v1/items', status: 500 });
    expect(await controlOk(base, 'POST', '/reset')).toEqual({ reset: true });

    expect(await log()).toEqual([]);
    expect((await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data).toEqual([]);
    expect((await controlOk<{ tokensIssued: number }>(base, 'GET', '/stats')).tokensIssued).toBe(0);
    expect(
      (await controlOk<{ accessTokenTtlSeconds?: number }>(base, 'GET', '/config'))
        .accessTokenTtlSeconds,
    ).toBeUndefined();
    await expectError(await getMe(base, tokens.access_token), 401);
    await expectError(await refresh(base, tokens.refresh_token!), 401);
    // The old session cookie no longer signs anyone in.
    const res = await getAuthorize(base, authorizeParams(pkce().challenge), cookie);
    expect(res.status).toBe(200);
  });

  it('answers unknown control paths with 404 and wrong methods with 405', async () => {
    await expectError(await controlApi(base, 'GET', '/nothing'), 404);
    await expectError(await controlApi(base, 'PUT', '/requests'), 405);
    await expectError(await controlApi(base, 'GET', '/reset'), 405);
    await expectError(await controlApi(base, 'POST', '/stats'), 405);
  });

  it('answers CORS preflights from a registered client origin, so a test page there can drive it', async () => {
    const res = await fetch(`${base}/__emulator/faults`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
  });

  it('is absent with controls: false', async () => {
    await restart({ controls: false });
    for (const [method, path] of [
      ['GET', '/requests'],
      ['POST', '/reset'],
      ['GET', '/config'],
      ['POST', '/faults'],
    ] as const) {
      await expectError(await controlApi(base, method, path), 404);
    }
    expect((await signIn(base)).tokens.access_token).toBeTruthy();
  });
});

describe('no page on another origin can use the control API', () => {
  const fromPage = (origin: string, method: string, path: string, init: RequestInit = {}) =>
    fetch(`${base}/__emulator${path}`, {
      ...init,
      method,
      headers: { origin, ...(init.headers as Record<string, string>) },
    });

  it('sends no wildcard CORS: an unregistered origin can read nothing', async () => {
    for (const path of ['/config', '/requests', '/stats', '/faults']) {
      const res = await fromPage(OTHER_ORIGIN, 'GET', path);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      await expectError(res, 403);
    }
  });

  it('refuses a preflight from an unregistered origin with 403', async () => {
    const res = await fromPage(OTHER_ORIGIN, 'OPTIONS', '/reset', {
      headers: { 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    await expectError(res, 403);
  });

  it('refuses a write from an unregistered origin with 403 and changes nothing', async () => {
    const { tokens } = await signIn(base);
    for (const [method, path, body] of [
      ['POST', '/reset', undefined],
      ['PATCH', '/config', { accessTokenTtlSeconds: 1 }],
      ['POST', '/faults', { path: '/oauth/token', status: 500 }],
      ['POST', `/users/${ADA.id}/disable`, undefined],
    ] as const) {
      const res = await fromPage(OTHER_ORIGIN, method, path, {
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      await expectError(res, 403);
    }
    expect((await getMe(base, tokens.access_token)).status).toBe(200);
    expect((await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data).toEqual([]);
    expect(
      (await controlOk<{ accessTokenTtlSeconds?: number }>(base, 'GET', '/config'))
        .accessTokenTtlSeconds,
    ).toBeUndefined();
  });

  it('refuses the origin "null" (sandboxed frames, file: pages)', async () => {
    await expectError(await fromPage('null', 'POST', '/reset'), 403);
  });

  it('refuses a body that is not application/json with 415: forms and text/plain need no preflight', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await fetch(`${base}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ path: '/oauth/token', status: 500 }),
      });
      await expectError(res, 415);
    }
    const plain = await fetch(`${base}/__emulator/reset`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
    });
    await expectError(plain, 415);
    expect((await controlOk<{ data: Fault[] }>(base, 'GET', '/faults')).data).toEqual([]);
  });

  it('serves a registered client origin, and Node clients that send no Origin', async () => {
    const res = await fromPage(APP_ORIGIN, 'POST', '/faults', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/oauth/token', status: 500 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    // As Playwright's request context sends it: a POST with no body and no content type.
    expect((await controlApi(base, 'POST', '/reset')).status).toBe(200);
  });
});

describe('only loopback host names are served (DNS rebinding)', () => {
  it('refuses a request for another host name with 421, on every path', async () => {
    const { port } = new URL(base);
    for (const path of [
      '/__emulator/config',
      '/.well-known/oauth-authorization-server',
      '/oauth/authorize',
    ]) {
      const res = await rawRequest(
        Number(port),
        `GET ${path} HTTP/1.1\r\nHost: rebound.example:${port}\r\nConnection: close\r\n\r\n`,
      );
      expect(res).toMatch(/^HTTP\/1\.1 421 /);
      expect(res).not.toContain('clientSecret');
    }
    expect(await log()).toEqual([]);
  });

  it('looks at the Host header, not an absolute-form request target', async () => {
    const { port } = new URL(base);
    const res = await rawRequest(
      Number(port),
      `GET http://localhost:${port}/__emulator/config HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 421 /);
  });

  it('refuses an engine WebSocket upgrade for another host name with 421', async () => {
    const { port } = new URL(base);
    const res = await rawRequest(
      Number(port),
      `GET /app/x HTTP/1.1\r\nHost: rebound.example:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 421 /);
  });

  it('serves localhost, 127.0.0.1 and [::1] spellings', async () => {
    const { port } = new URL(base);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'LOCALHOST']) {
      const res = await rawRequest(
        Number(port),
        `GET /.well-known/jwks.json HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`,
      );
      expect(res).toMatch(/^HTTP\/1\.1 200 /);
    }
  });
});
