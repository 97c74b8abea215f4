import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetch,
  ACCESS_TOKEN_TYPE,
  APP_ORIGIN,
  CLIENT_ID,
  OTHER_ORIGIN,
  SALES_APP,
  TOKEN_EXCHANGE,
  controlOk,
  expectError,
  postRevoke,
  postToken,
  purposeToken,
  signIn,
  start,
  type RunningEmulator,
} from './helpers.js';

let emulator: RunningEmulator;
let base: string;
let accessToken: string;
let webresource: string;

beforeAll(async () => {
  emulator = await start();
  base = emulator.url;
  accessToken = (await signIn(base)).tokens.access_token;
  webresource = await purposeToken(base, accessToken, 'webresource');
});
afterAll(() => emulator.close());

type Call = (origin: string | undefined) => Promise<Response>;

const withOrigin = (origin: string | undefined): Record<string, string> =>
  origin ? { origin } : {};

const calls: Record<string, Call> = {
  'a successful token request': async (origin) => {
    const res = await postToken(
      base,
      {
        grant_type: TOKEN_EXCHANGE,
        client_id: CLIENT_ID,
        subject_token: accessToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        purpose: 'websocket',
      },
      { headers: withOrigin(origin) },
    );
    expect(res.status).toBe(200);
    return res;
  },
  'a refused token request': async (origin) => {
    const res = await postToken(
      base,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { headers: withOrigin(origin) },
    );
    expect(res.status).toBe(401);
    return res;
  },
  'a revocation': (origin) =>
    postRevoke(base, { token: 'unknown' }, { headers: withOrigin(origin) }),
  'GET /api/v1/users/me': (origin) =>
    fetch(`${base}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${accessToken}`, ...withOrigin(origin) },
    }),
  'a refused API call': (origin) => fetch(`${base}/api/v1/items`, { headers: withOrigin(origin) }),
  'a thumbnail': (origin) =>
    fetch(`${base}/api/v1/apps/${SALES_APP.id}/media/thumbnail?accessToken=${webresource}`, {
      headers: withOrigin(origin),
    }),
};

function preflight(
  path: string,
  origin: string,
  method = 'POST',
  requestHeaders = 'authorization, content-type',
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': requestHeaders,
    },
  });
}

describe('CORS for an allowed origin', () => {
  for (const [name, call] of Object.entries(calls)) {
    it(`allows ${name} from the client's origin`, async () => {
      const res = await call(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('vary')).toMatch(/Origin/);
      await res.arrayBuffer();
    });
  }

  for (const [path, method] of [
    ['/oauth/token', 'POST'],
    ['/oauth/revoke', 'POST'],
    ['/api/v1/users/me', 'GET'],
    ['/api/v1/items', 'GET'],
  ] as const) {
    it(`answers the preflight of ${path} with 204`, async () => {
      const res = await preflight(path, APP_ORIGIN, method);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).toContain(method);
      const allowed = res.headers.get('access-control-allow-headers') ?? '';
      expect(allowed).toContain('authorization');
      expect(allowed).toContain('content-type');
    });
  }

  for (const [name, call] of Object.entries(calls)) {
    it(`allows credentials on ${name} from the client's origin`, async () => {
      const res = await call(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      await res.arrayBuffer();
    });
  }

  for (const [path, method] of [
    ['/oauth/token', 'POST'],
    ['/oauth/revoke', 'POST'],
    ['/api/v1/users/me', 'GET'],
  ] as const) {
    it(`allows credentials and every requested header (qlik-api-version) on the preflight of ${path}`, async () => {
      const res = await preflight(
        path,
        APP_ORIGIN,
        method,
        'authorization, content-type, qlik-api-version, x-qlik-client',
      );
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      const allowed = (res.headers.get('access-control-allow-headers') ?? '')
        .toLowerCase()
        .split(/\s*,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'qlik-api-version',
          'x-qlik-client',
        ]),
      );
    });
  }

  it("allows credentials on an injected fault answered to the client's origin", async () => {
    await controlOk(base, 'POST', '/faults', { path: '/api/v1/items', status: 503, times: 1 });
    const res = await fetch(`${base}/api/v1/items`, { headers: { origin: APP_ORIGIN } });
    expect(res.status).toBe(503);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    await res.arrayBuffer();
  });

  it('refuses the 127.0.0.1 spelling of a registered localhost origin (origins match exactly)', async () => {
    const res = await preflight('/oauth/token', 'http://127.0.0.1:5173');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    await res.arrayBuffer();
    const registered = await preflight('/oauth/token', 'http://localhost:5173');
    expect(registered.status).toBe(204);
    expect(registered.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

describe('CORS for a disallowed origin', () => {
  for (const [name, call] of Object.entries(calls)) {
    it(`sends no access-control-allow-origin and no credentials on ${name}`, async () => {
      const res = await call(OTHER_ORIGIN);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      await res.arrayBuffer();
    });
  }

  it('refuses a preflight asking for qlik-api-version from an unregistered origin', async () => {
    const res = await preflight(
      '/api/v1/users/me',
      OTHER_ORIGIN,
      'GET',
      'authorization, qlik-api-version',
    );
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
    await expectError(res, 403);
  });

  it('sends no credentials on an injected fault answered to an unregistered origin', async () => {
    await controlOk(base, 'POST', '/faults', { path: '/api/v1/items', status: 503, times: 1 });
    const res = await fetch(`${base}/api/v1/items`, { headers: { origin: OTHER_ORIGIN } });
    expect(res.status).toBe(503);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    await res.arrayBuffer();
  });

  it('sends no access-control-allow-origin without an Origin header', async () => {
    const res = await calls['GET /api/v1/users/me']!(undefined);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  for (const path of ['/oauth/token', '/oauth/revoke', '/api/v1/users/me']) {
    it(`refuses the preflight of ${path} with 403 and the errors body`, async () => {
      const res = await preflight(path, OTHER_ORIGIN);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      await expectError(res, 403);
    });
  }

  it('treats another port of an allowed host as another origin', async () => {
    await expectError(await preflight('/oauth/token', 'http://localhost:9999'), 403);
  });
});

describe('public metadata', () => {
  it('lets any origin read the well-known metadata and keys', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json']) {
      const res = await fetch(`${base}${path}`, { headers: { origin: OTHER_ORIGIN } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      // Credentials never go with the wildcard (the Fetch standard forbids the pair).
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      await res.arrayBuffer();
    }
  });
});
