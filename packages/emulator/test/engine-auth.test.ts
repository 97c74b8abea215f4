import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.170.2.json';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../src/config/config.js';
import { parseEngineTarget } from '../src/engine/socket.js';
import {
  ADA,
  SALES_APP,
  engineUrl,
  handshake,
  json,
  postRevoke,
  postToken,
  purposeToken,
  signIn,
  emulatorPerTest,
  type ManualClock,
  type TokenBody,
} from './helpers.js';

const BACKEND = { clientId: 'backend', clientSecret: 'backend-secret' };

let clock: ManualClock;
let base: string;

emulatorPerTest(
  {
    clients: [...defaultConfig().clients, { ...BACKEND, appType: 'web', redirectUris: [] }],
  },
  (started) => ({ clock, base } = started),
);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface QixGlobal extends EnigmaJS.QixObject {
  openDoc(
    appId: string,
  ): Promise<EnigmaJS.QixObject & { getAppLayout(): Promise<{ qTitle: string }> }>;
  getAuthenticatedUser(): Promise<string>;
}

/** Opens the app over enigma.js as a Node client does: a Bearer header, no query token. */
async function layoutOverBearer(url: string, token: string) {
  const session = enigma.create({
    schema,
    url,
    createSocket: (socketUrl: string) =>
      new WebSocket(socketUrl, { headers: bearer(token) }) as never,
  });
  try {
    const global = await session.open<QixGlobal>();
    const doc = await global.openDoc(SALES_APP.id);
    return { layout: await doc.getAppLayout(), user: await global.getAuthenticatedUser() };
  } finally {
    await session.close();
  }
}

async function clientCredentialsToken(): Promise<string> {
  const res = await postToken(base, {
    grant_type: 'client_credentials',
    client_id: BACKEND.clientId,
    client_secret: BACKEND.clientSecret,
  });
  const body = await json<TokenBody>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token;
}

describe('engine socket authentication', () => {
  it('accepts a user access token as a Bearer header (Node clients) and opens the app', async () => {
    const { tokens } = await signIn(base, { user: ADA.id });
    const { layout, user } = await layoutOverBearer(
      engineUrl(base, SALES_APP.id),
      tokens.access_token,
    );
    expect(layout.qTitle).toBe(SALES_APP.name);
    expect(user).toBe(`UserDirectory=emulator; UserId=${ADA.subject}`);
  });

  it('accepts a client_credentials token as Bearer and reports the client’s bot user', async () => {
    const token = await clientCredentialsToken();
    const { layout, user } = await layoutOverBearer(engineUrl(base, SALES_APP.id), token);
    expect(layout.qTitle).toBe(SALES_APP.name);
    expect(user).toBe(`UserDirectory=qlikbot; UserId=${BACKEND.clientId}`);
  });

  it('refuses a websocket-purpose token sent as Bearer with 401', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    const refused = await handshake(engineUrl(base, SALES_APP.id), bearer(websocket));
    expect(refused.status).toBe(401);
    const webresource = await purposeToken(base, tokens.access_token, 'webresource');
    expect((await handshake(engineUrl(base, SALES_APP.id), bearer(webresource))).status).toBe(401);
  });

  it('refuses a plain access token in ?accessToken= with 401 (only purpose tokens go in URLs)', async () => {
    const { tokens } = await signIn(base);
    const refused = await handshake(engineUrl(base, SALES_APP.id, tokens.access_token));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).errors[0].status).toBe('401');
  });

  it('lets the query token decide when both are sent, so a Bearer cannot rescue a bad URL token', async () => {
    const { tokens } = await signIn(base);
    const url = engineUrl(base, SALES_APP.id, 'not-a-token');
    expect((await handshake(url, bearer(tokens.access_token))).status).toBe(401);
  });

  it('refuses a revoked access token as Bearer and a revoked websocket token in the URL', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    expect(
      (await handshake(engineUrl(base, SALES_APP.id), bearer(tokens.access_token))).status,
    ).toBe(101);
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(101);

    // Revoking the refresh token revokes its whole grant, purpose tokens included.
    const res = await postRevoke(base, { token: tokens.refresh_token });
    expect(res.status).toBe(200);
    expect(
      (await handshake(engineUrl(base, SALES_APP.id), bearer(tokens.access_token))).status,
    ).toBe(401);
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(401);
  });

  it('refuses a revoked purpose token alone, and an expired Bearer token', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    expect((await postRevoke(base, { token: websocket })).status).toBe(200);
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(401);

    clock.advance(360 * 60); // the default client lifetime of access tokens: 6 hours
    expect(
      (await handshake(engineUrl(base, SALES_APP.id), bearer(tokens.access_token))).status,
    ).toBe(401);
  });

  it('refuses a malformed Authorization header or an empty ?accessToken= with 401', async () => {
    const { tokens } = await signIn(base);
    const url = engineUrl(base, SALES_APP.id);
    expect((await handshake(url, { authorization: tokens.access_token })).status).toBe(401);
    expect((await handshake(url, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await handshake(`${url}?accessToken=`, bearer(tokens.access_token))).status).toBe(401);
  });

  it('accepts the /identity/{x} and /ttl/{n} suffixes and the reloadUri parameter @qlik/api sends', async () => {
    const { tokens } = await signIn(base);
    const ws = base.replace(/^http/, 'ws');
    const reloadUri = encodeURIComponent(`${ws}/sense/app/${SALES_APP.id}`);
    for (const path of [
      `/app/${SALES_APP.id}/identity/tab-1`,
      `/app/${SALES_APP.id}/ttl/30`,
      `/app/${SALES_APP.id}/identity/tab-1/ttl/0`,
      `/app/${SALES_APP.id}/`,
    ]) {
      const url = `${ws}${path}?reloadUri=${reloadUri}&workloadType=interactive-reload`;
      const { layout } = await layoutOverBearer(url, tokens.access_token);
      expect(layout.qTitle, path).toBe(SALES_APP.name);
    }
  });
});

describe('engine sockets in the request log', () => {
  /** The log's entries for the app's socket, without the token-free fields that vary. */
  async function socketEntries() {
    const response = await fetch(`${base}/__emulator/requests`);
    const { data } = await json<{ data: { path: string; status?: number; credential?: string }[] }>(
      response,
    );
    return data
      .filter((entry) => entry.path === `/app/${SALES_APP.id}`)
      .map(({ path, status, credential }) => ({ path, status, credential }));
  }

  it('logs each handshake with its status and how it presented its token, never the token', async () => {
    const { tokens } = await signIn(base);
    const websocket = await purposeToken(base, tokens.access_token, 'websocket');
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(101);
    expect(
      (await handshake(engineUrl(base, SALES_APP.id), bearer(tokens.access_token))).status,
    ).toBe(101);
    expect((await handshake(engineUrl(base, SALES_APP.id, 'not-a-token'))).status).toBe(401);
    expect(await socketEntries()).toEqual([
      { path: `/app/${SALES_APP.id}`, status: 101, credential: 'websocket' },
      { path: `/app/${SALES_APP.id}`, status: 101, credential: 'bearer' },
      { path: `/app/${SALES_APP.id}`, status: 401, credential: 'websocket' },
    ]);
    const log = await (await fetch(`${base}/__emulator/requests`)).text();
    expect(log).not.toContain(websocket);
    expect(log).not.toContain(tokens.access_token);
  });
});

describe('parseEngineTarget', () => {
  it('reads the app id, identity, ttl and query token', () => {
    expect(parseEngineTarget('/app/a%20b/identity/x/ttl/15?accessToken=t&reloadUri=r')).toEqual({
      appId: 'a b',
      identity: 'x',
      ttlSeconds: 15,
      accessToken: 't',
    });
    expect(parseEngineTarget('/app/abc')).toEqual({ appId: 'abc', accessToken: null });
  });

  it('rejects anything that is not an engine path', () => {
    for (const target of [
      undefined,
      '',
      '*',
      'http://elsewhere/app/abc',
      '//elsewhere/app/abc',
      '/app',
      '/app/%ZZ',
      '/app/abc/ttl/-1',
      '/app/abc/ttl/1.5',
      '/app/abc/identity/%E0%A4%A',
      '/app/abc/ttl/1/identity/x',
    ]) {
      expect(parseEngineTarget(target), String(target)).toBeUndefined();
    }
  });
});
