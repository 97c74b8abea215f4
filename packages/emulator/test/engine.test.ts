import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.170.2.json';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ADA,
  APP_ORIGIN,
  OTHER_ORIGIN,
  SALES_APP,
  closeOf,
  engineUrl,
  handshake,
  json,
  purposeToken,
  signIn,
  emulatorPerTest,
  type ManualClock,
} from './helpers.js';

let clock: ManualClock;
let base: string;
let accessToken: string;

emulatorPerTest(undefined, (started) => ({ clock, base } = started));
beforeEach(async () => {
  accessToken = (await signIn(base, { user: ADA.id })).tokens.access_token;
});

/** The slice of the generated QIX API the suite calls. */
interface QixDoc extends EnigmaJS.QixObject {
  getAppLayout(): Promise<{ qTitle: string; qFileName: string }>;
}
interface QixGlobal extends EnigmaJS.QixObject {
  openDoc(appId: string): Promise<QixDoc>;
}

interface RpcMessage {
  jsonrpc?: string;
  id?: number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; parameter?: string };
}

/** An open raw socket that queues what the engine sends, for protocol-level checks. */
async function rawSocket(url: string) {
  const socket = new WebSocket(url);
  const queue: RpcMessage[] = [];
  const waiting: ((message: RpcMessage) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as RpcMessage;
    const next = waiting.shift();
    if (next) next(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    next(): Promise<RpcMessage> {
      const ready = queue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    send(message: unknown) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    close() {
      socket.close();
    },
  };
}

describe('the engine WebSocket /app/{appId}', () => {
  it('lets enigma.js open the app with a websocket token and read its layout', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const session = enigma.create({
      schema,
      url: engineUrl(base, SALES_APP.id, websocket),
      createSocket: (url: string) => new WebSocket(url) as never,
    });
    try {
      const global = await session.open<QixGlobal>();
      const doc = await global.openDoc(SALES_APP.id);
      const layout = await doc.getAppLayout();
      expect(layout.qTitle).toBe(SALES_APP.name);
      expect(layout.qFileName).toBe(SALES_APP.id);
    } finally {
      await session.close();
    }
  });

  it('sends the OnConnected notification as its first message', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const socket = await rawSocket(engineUrl(base, SALES_APP.id, websocket));
    try {
      const first = await socket.next();
      expect(first).toMatchObject({ jsonrpc: '2.0', method: 'OnConnected' });
      expect(first.params?.qSessionState).toBe('SESSION_CREATED');
      expect(first.id).toBeUndefined();
    } finally {
      socket.close();
    }
  });

  it('tells the authenticated user', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const socket = await rawSocket(engineUrl(base, SALES_APP.id, websocket));
    try {
      await socket.next();
      socket.send({
        jsonrpc: '2.0',
        id: 1,
        handle: -1,
        method: 'GetAuthenticatedUser',
        params: [],
      });
      const reply = await socket.next();
      expect(reply.id).toBe(1);
      expect(reply.result?.qReturn).toContain(ADA.subject);
    } finally {
      socket.close();
    }
  });

  it('answers JSON-RPC errors for garbage, unknown methods, other apps and unopened docs', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const socket = await rawSocket(engineUrl(base, SALES_APP.id, websocket));
    try {
      await socket.next();
      socket.send('{not json');
      expect((await socket.next()).error?.code).toBe(-32700);
      socket.send('42');
      expect((await socket.next()).error?.code).toBe(-32600);
      socket.send({ jsonrpc: '2.0', id: 2, handle: -1, method: 'CreateApp', params: [] });
      expect(await socket.next()).toMatchObject({ id: 2, error: { code: -32601 } });
      socket.send({ jsonrpc: '2.0', id: 3, handle: 1, method: 'GetAppLayout', params: [] });
      expect(await socket.next()).toMatchObject({ id: 3, error: { code: -32602 } });
      socket.send({ jsonrpc: '2.0', id: 4, handle: -1, method: 'OpenDoc', params: ['other-app'] });
      expect(await socket.next()).toMatchObject({ id: 4, error: { code: 1002 } });
      socket.send({
        jsonrpc: '2.0',
        id: 5,
        handle: -1,
        method: 'OpenDoc',
        params: { qDocName: SALES_APP.id },
      });
      expect(await socket.next()).toMatchObject({ id: 5, result: { qReturn: { qHandle: 1 } } });
    } finally {
      socket.close();
    }
  });

  it('refuses the handshake with 401 when the token is missing', async () => {
    const refused = await handshake(engineUrl(base, SALES_APP.id));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).errors[0].status).toBe('401');
  });

  it('refuses the handshake with 401 for a wrong or expired token', async () => {
    expect((await handshake(engineUrl(base, SALES_APP.id, 'wrong'))).status).toBe(401);
    const websocket = await purposeToken(base, accessToken, 'websocket');
    clock.advance(300);
    expect((await handshake(engineUrl(base, SALES_APP.id, websocket))).status).toBe(401);
  });

  it('closes the socket with 4204 "App not found" for an app that does not exist', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const closed = await closeOf(engineUrl(base, 'no-such-app', websocket));
    expect(closed).toEqual({ code: 4204, reason: 'App not found' });
  });

  it('answers 400 for a socket path other than /app/{appId} or a malformed one', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const ws = base.replace(/^http/, 'ws');
    for (const path of [
      '/engine',
      '/app/',
      '/app/%E0%A4%A',
      `/app/${SALES_APP.id}/ttl/abc`,
      `/app/${SALES_APP.id}/identity/`,
      `/app/${SALES_APP.id}/something/else`,
    ]) {
      const refused = await handshake(`${ws}${path}?accessToken=${websocket}`);
      expect(refused.status, path).toBe(400);
      expect(JSON.parse(refused.body).errors[0].status).toBe('400');
    }
  });

  it('refuses a browser origin the tenant does not allow with 403', async () => {
    const websocket = await purposeToken(base, accessToken, 'websocket');
    const url = engineUrl(base, SALES_APP.id, websocket);
    expect((await handshake(url, { origin: OTHER_ORIGIN })).status).toBe(403);
    expect((await handshake(url, { origin: APP_ORIGIN })).status).toBe(101);
  });

  it('keeps serving HTTP after refusing sockets', async () => {
    await handshake(engineUrl(base, SALES_APP.id));
    const res = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect((await json<{ issuer: string }>(res)).issuer).toBe(base);
  });
});
