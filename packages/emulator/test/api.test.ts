import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetch,
  ADA,
  SALES_APP,
  expectError,
  getMe,
  json,
  purposeToken,
  signIn,
  start,
  type RunningEmulator,
} from './helpers.js';

let emulator: RunningEmulator;
let base: string;
let accessToken: string;

beforeAll(async () => {
  emulator = await start();
  base = emulator.url;
  accessToken = (await signIn(base, { user: ADA.id })).tokens.access_token;
});
afterAll(() => emulator.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Items {
  data: { id: string; resourceId: string; resourceType: string; name: string; thumbnail: string }[];
  links: { self: { href: string } };
}

describe('GET /api/v1/users/me', () => {
  it('describes the signed-in user', async () => {
    const res = await getMe(base, accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const me = await json<Record<string, unknown>>(res);
    expect(me).toMatchObject({
      id: ADA.id,
      subject: ADA.subject,
      email: ADA.email,
      name: 'Ada Lovelace',
      status: 'active',
    });
    expect(typeof me.tenantId).toBe('string');
  });

  it('refuses a request without a Bearer token with 401 and the errors body', async () => {
    await expectError(await fetch(`${base}/api/v1/users/me`), 401, 'HTTP-401');
    await expectError(
      await fetch(`${base}/api/v1/users/me`, { headers: { authorization: accessToken } }),
      401,
    );
    await expectError(
      await fetch(`${base}/api/v1/users/me`, { headers: { authorization: 'Bearer ' } }),
      401,
    );
  });

  it('refuses a token with a broken signature or from another tenant with 401', async () => {
    const [header, payload] = accessToken.split('.');
    await expectError(await getMe(base, `${header}.${payload}.AAAA`), 401);
    await expectError(await getMe(base, 'not.a.jwt'), 401);
    const other = await start();
    try {
      const foreign = (await signIn(other.url)).tokens.access_token;
      await expectError(await getMe(base, foreign), 401);
    } finally {
      await other.close();
    }
  });

  it('refuses methods other than GET with 405', async () => {
    await expectError(
      await fetch(`${base}/api/v1/users/me`, { method: 'POST', headers: bearer(accessToken) }),
      405,
    );
  });
});

describe('GET /api/v1/items', () => {
  it('lists the seeded apps as {data:[{id, resourceId, name}]} for resourceType=app', async () => {
    const res = await fetch(`${base}/api/v1/items?resourceType=app`, {
      headers: bearer(accessToken),
    });
    expect(res.status).toBe(200);
    const items = await json<Items>(res);
    expect(items.data).toHaveLength(3);
    for (const item of items.data) {
      expect(item.id).toBeTruthy();
      expect(item.resourceType).toBe('app');
      expect(item.name).toBeTruthy();
      expect(item.thumbnail).toBe(`${base}/api/v1/apps/${item.resourceId}/media/thumbnail`);
    }
    expect(items.data.map((item) => item.resourceId)).toContain(SALES_APP.id);
    expect(items.data.find((item) => item.resourceId === SALES_APP.id)?.name).toBe(SALES_APP.name);
    expect(items.links.self.href).toBe(`${base}/api/v1/items?resourceType=app`);
  });

  it('lists no items of other resource types', async () => {
    const items = await json<Items>(
      await fetch(`${base}/api/v1/items?resourceType=space`, { headers: bearer(accessToken) }),
    );
    expect(items.data).toEqual([]);
  });

  it('logs that the request presented a Bearer token, and not the token', async () => {
    await fetch(`${base}/api/v1/items?resourceType=app`, { headers: bearer(accessToken) });
    const log = await (await fetch(`${base}/__emulator/requests`)).text();
    const entries = (JSON.parse(log) as { data: { path: string; credential?: string }[] }).data;
    expect(entries.filter((entry) => entry.path === '/api/v1/items').at(-1)).toMatchObject({
      credential: 'bearer',
    });
    expect(log).not.toContain(accessToken);
  });

  it('narrows to the item of one resource with resourceId', async () => {
    const items = await json<Items>(
      await fetch(`${base}/api/v1/items?resourceType=app&resourceId=${SALES_APP.id}`, {
        headers: bearer(accessToken),
      }),
    );
    expect(items.data.map((item) => item.resourceId)).toEqual([SALES_APP.id]);
  });

  it('refuses a request without a token with 401', async () => {
    await expectError(await fetch(`${base}/api/v1/items?resourceType=app`), 401);
  });
});

describe('GET /api/v1/apps/{appId}/media/thumbnail', () => {
  const url = (appId: string, token?: string) =>
    `${base}/api/v1/apps/${appId}/media/thumbnail${token ? `?accessToken=${token}` : ''}`;

  it('serves an image for a webresource accessToken', async () => {
    const webresource = await purposeToken(base, accessToken, 'webresource');
    const res = await fetch(url(SALES_APP.id, webresource));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('SO');
  });

  it('accepts the webresource token as a Bearer header too', async () => {
    const webresource = await purposeToken(base, accessToken, 'webresource');
    const res = await fetch(url(SALES_APP.id), { headers: bearer(webresource) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('refuses a missing accessToken with 401', async () => {
    await expectError(await fetch(url(SALES_APP.id)), 401);
  });

  it('answers 404 for an app that does not exist', async () => {
    const webresource = await purposeToken(base, accessToken, 'webresource');
    await expectError(await fetch(url('no-such-app', webresource)), 404, 'HTTP-404');
    await expectError(await fetch(url('%E0%A4%A', webresource)), 404, 'HTTP-404');
  });
});

describe('other API paths', () => {
  it('answers an unknown API path with 404 for a signed-in caller', async () => {
    await expectError(await fetch(`${base}/api/v1/spaces`, { headers: bearer(accessToken) }), 404);
  });

  it('asks for a token before revealing whether an API path exists', async () => {
    await expectError(await fetch(`${base}/api/v1/spaces`), 401);
  });
});
