import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetch,
  CLIENT_ID,
  REDIRECT_URI,
  SESSION_COOKIE,
  TOKEN_EXCHANGE,
  authorizeParams,
  authorizeUrl,
  controlOk,
  expectError,
  expectOAuthError,
  getAuthorize,
  pkce,
  postToken,
  start,
  type RunningEmulator,
} from './helpers.js';

let emulator: RunningEmulator;
let base: string;

beforeAll(async () => {
  emulator = await start();
  base = emulator.url;
});
afterAll(async () => {
  // Whatever the suite threw at it, the emulator never answered 500 and still serves.
  const log = await controlOk<{ data: { path: string; status?: number }[] }>(
    base,
    'GET',
    '/requests',
  );
  expect(log.data.filter((entry) => (entry.status ?? 0) >= 500)).toEqual([]);
  expect((await fetch(`${base}/.well-known/oauth-authorization-server`)).status).toBe(200);
  await emulator.close();
});

function raw(
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  contentType?: string,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: contentType ? { 'content-type': contentType } : {},
    body,
  });
}

describe('bodies the token and revoke endpoints refuse with 400', () => {
  for (const path of ['/oauth/token', '/oauth/revoke']) {
    it(`${path}: malformed JSON`, async () => {
      for (const body of ['{', '{"grant_type":}', "{'a':1}", '', 'undefined', '\u0000\u0001']) {
        await expectOAuthError(await raw(path, body, 'application/json'), 400, 'invalid_request');
      }
    });

    it(`${path}: JSON that is not an object`, async () => {
      for (const body of ['[]', 'null', '42', '"token"', 'true']) {
        await expectOAuthError(await raw(path, body, 'application/json'), 400, 'invalid_request');
      }
    });

    it(`${path}: an unsupported or missing content type`, async () => {
      for (const type of [
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        undefined,
      ]) {
        const entry = await expectOAuthError(
          await raw(path, 'token=x&grant_type=refresh_token', type),
          400,
          'invalid_request',
        );
        expect(entry.detail).toMatch(/content type/);
      }
    });

    it(`${path}: a body larger than 64 KiB`, async () => {
      const huge = JSON.stringify({ token: 'x'.repeat(70 * 1024), grant_type: 'refresh_token' });
      const entry = await expectOAuthError(
        await raw(path, huge, 'application/json'),
        400,
        'invalid_request',
      );
      expect(entry.detail).toMatch(/64 KiB/);
    });

    it(`${path}: a multi-megabyte body gets the 400 too, not a reset connection`, async () => {
      for (let i = 0; i < 3; i += 1) {
        const body = `token=${'x'.repeat(4 * 1024 * 1024)}`;
        await expectOAuthError(
          await raw(path, body, 'application/x-www-form-urlencoded'),
          400,
          'invalid_request',
        );
      }
    });

    it(`${path}: random binary garbage`, async () => {
      const garbage = new Uint8Array(512).map((_, i) => (i * 7919 + 13) % 256);
      await expectError(await raw(path, garbage, 'application/json'), 400);
      await expectError(await raw(path, garbage, 'application/octet-stream'), 400);
    });

    it(`${path}: a repeated form parameter`, async () => {
      const entry = await expectOAuthError(
        await raw(
          path,
          'grant_type=refresh_token&token=a&token=b&refresh_token=a&refresh_token=b',
          'application/x-www-form-urlencoded',
        ),
        400,
        'invalid_request',
      );
      expect(entry.detail).toMatch(/repeated/);
    });
  }

  it('accepts a content type with a charset parameter', async () => {
    const res = await raw(
      '/oauth/revoke',
      JSON.stringify({ token: 'x' }),
      'application/json; charset=utf-8',
    );
    expect(res.status).toBe(200);
  });
});

describe('token request fields', () => {
  it('refuses a missing grant_type with 400', async () => {
    const entry = await expectOAuthError(
      await postToken(base, { client_id: CLIENT_ID }),
      400,
      'invalid_request',
    );
    expect(entry.detail).toMatch(/grant_type/);
  });

  it('refuses an unknown grant_type with 400 unsupported_grant_type', async () => {
    for (const grant_type of [
      'password',
      'implicit',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]) {
      const entry = await expectOAuthError(
        await postToken(base, { grant_type, client_id: CLIENT_ID }),
        400,
        'unsupported_grant_type',
      );
      expect(entry.code).toBe('EMULATOR-UNSUPPORTED_GRANT_TYPE');
    }
  });

  it('refuses fields that are not strings with 400, naming the field', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['grant_type', { grant_type: 42 }],
      ['grant_type', { grant_type: ['authorization_code'] }],
      ['code', { grant_type: 'authorization_code', code: { $ne: '' } }],
      ['client_id', { grant_type: 'refresh_token', refresh_token: 'x', client_id: ['demo-spa'] }],
      ['refresh_token', { grant_type: 'refresh_token', refresh_token: true }],
      ['subject_token', { grant_type: TOKEN_EXCHANGE, client_id: CLIENT_ID, subject_token: 1 }],
      [
        'client_secret',
        { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: {} },
      ],
    ];
    for (const [field, body] of cases) {
      const entry = await expectOAuthError(await postToken(base, body), 400, 'invalid_request');
      expect(entry.detail).toContain(field);
    }
  });

  it('treats null and empty strings as missing, with 400', async () => {
    await expectOAuthError(await postToken(base, { grant_type: null }), 400, 'invalid_request');
    await expectOAuthError(
      await postToken(base, { grant_type: 'refresh_token', refresh_token: '' }),
      400,
      'invalid_request',
    );
  });

  it('keeps form keys such as __proto__[x] and toString as plain data', async () => {
    const res = await raw(
      '/oauth/token',
      '__proto__[polluted]=yes&constructor[prototype][polluted]=yes&toString=1&grant_type=refresh_token&refresh_token=x',
      'application/x-www-form-urlencoded',
    );
    await expectOAuthError(res, 401, 'invalid_grant');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('ignores a JSON __proto__ key', async () => {
    const res = await raw(
      '/oauth/token',
      '{"__proto__":{"grant_type":"client_credentials"}}',
      'application/json',
    );
    await expectOAuthError(res, 400, 'invalid_request');
    expect(({} as Record<string, unknown>).grant_type).toBeUndefined();
  });
});

describe('malformed requests elsewhere', () => {
  it('ignores a session cookie with a malformed escape instead of failing', async () => {
    const res = await getAuthorize(
      base,
      authorizeParams(pkce().challenge),
      `${SESSION_COOKIE}=%E0%A4%A`,
    );
    expect(res.status).toBe(200);
    await res.text();
  });

  it('answers malformed escapes in paths with 404', async () => {
    await expectError(await fetch(`${base}/oauth/%zz`), 404);
  });

  it('refuses a garbage login form with 400', async () => {
    await expectError(
      await raw('/oauth/authorize/login', '{"transaction":', 'application/json'),
      400,
    );
    await expectError(await raw('/oauth/authorize/login', 'transaction=x', 'text/plain'), 400);
    await expectError(
      await raw(
        '/oauth/authorize/login',
        JSON.stringify({ transaction: ['x'] }),
        'application/json',
      ),
      400,
    );
  });

  it('answers a request line that is not HTTP with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator.port, '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${base}/.well-known/jwks.json`)).status).toBe(200);
  });
});

// A hundred requests each: under a loaded machine they need more than the default 5 s.
describe('properties', { timeout: 60_000 }, () => {
  const fieldNames = fc.constantFrom(
    'grant_type',
    'code',
    'code_verifier',
    'redirect_uri',
    'client_id',
    'client_secret',
    'refresh_token',
    'subject_token',
    'subject_token_type',
    'purpose',
    'user_lookup',
    'scope',
    'token',
    '__proto__',
    'constructor',
  );
  const grantTypes = fc.constantFrom(
    'authorization_code',
    'refresh_token',
    'client_credentials',
    TOKEN_EXCHANGE,
    'urn:qlik:oauth:user-impersonation',
  );
  const values = fc.oneof(
    fc.string(),
    grantTypes,
    fc.constantFrom(CLIENT_ID, REDIRECT_URI, 'websocket', 'webresource'),
    fc.jsonValue(),
  );
  const bodies = fc.dictionary(fc.oneof(fieldNames, fc.string()), values, { maxKeys: 8 });

  it('answers any JSON token request with 400 or 401 and the errors body, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await postToken(base, body);
        expect([400, 401]).toContain(res.status);
        await expectError(res, res.status);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any form-encoded token request with 400 or 401 and the errors body', async () => {
    const pairs = fc.array(
      fc.tuple(fc.oneof(fieldNames, fc.string()), fc.oneof(fc.string(), grantTypes)),
      {
        maxLength: 8,
      },
    );
    await fc.assert(
      fc.asyncProperty(pairs, async (entries) => {
        const res = await raw(
          '/oauth/token',
          new URLSearchParams(entries).toString(),
          'application/x-www-form-urlencoded',
        );
        expect([400, 401]).toContain(res.status);
        await expectError(res, res.status);
      }),
      { numRuns: 100 },
    );
  });

  it('answers any body under any content type without a 5xx', async () => {
    const contentTypes = fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/json; charset=latin1',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/oauth/token', '/oauth/revoke', '/oauth/authorize/login'),
        fc.string({ maxLength: 300 }),
        contentTypes,
        async (path, body, type) => {
          const res = await raw(path, body, type);
          expect(res.status).toBeLessThan(500);
          if (res.status !== 200 && res.status !== 302) await expectError(res, res.status);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never redirects an authorization request anywhere but a registered redirect_uri', async () => {
    const query = fc.dictionary(
      fc.constantFrom(
        'client_id',
        'redirect_uri',
        'response_type',
        'scope',
        'state',
        'code_challenge',
        'code_challenge_method',
        'prompt',
        'max_age',
        'login_hint',
      ),
      fc.oneof(
        fc.string(),
        fc.constantFrom(
          CLIENT_ID,
          REDIRECT_URI,
          'code',
          'S256',
          'none',
          'user_default',
          'https://x.example/',
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const res = await fetch(authorizeUrl(base, params), { redirect: 'manual' });
        if (res.status === 302) {
          const target = new URL(res.headers.get('location')!);
          expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI);
          expect(params.client_id).toBe(CLIENT_ID);
        } else if (res.status === 200) {
          expect(res.headers.get('content-type')).toMatch(/^text\/html/);
          await res.arrayBuffer();
        } else {
          await expectError(res, 400);
        }
      }),
      { numRuns: 150 },
    );
  });
});
