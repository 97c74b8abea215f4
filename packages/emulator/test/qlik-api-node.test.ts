/**
 * Qlik's own clients against a real started emulator, as a Node back end would use them:
 * @qlik/api with a machine-to-machine OAuth client (client_credentials), and enigma.js with a
 * Bearer header. Every call is raced against a 5 s deadline, so a client left waiting on the
 * emulator fails the test instead of hanging it.
 */
import { qix, users } from '@qlik/api';
import type { HostConfig } from '@qlik/api/auth';
import enigma from 'enigma.js';
import schema from 'enigma.js/schemas/12.170.2.json';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultConfig } from '../src/config/config.js';
import { sheetsOf } from '../src/engine/app-objects.js';
import { ADA, SALES_APP, engineUrl, signIn, start, type RunningEmulator } from './helpers.js';

let emulator: RunningEmulator;
let hostConfig: HostConfig;
let BOT: { clientId: string; clientSecret: string };
let clients = 0;

beforeEach(async () => {
  // @qlik/api caches tokens per client id and scope (not per host), so each test gets its own
  // client: a token from an earlier test's emulator would not verify on this one.
  clients += 1;
  BOT = { clientId: `node-backend-${clients}`, clientSecret: 'node-backend-secret' };
  emulator = await start({
    config: {
      clients: [...defaultConfig().clients, { ...BOT, appType: 'web', redirectUris: [] }],
    },
  });
  hostConfig = {
    authType: 'oauth2',
    host: emulator.url,
    clientId: BOT.clientId,
    clientSecret: BOT.clientSecret,
  };
});
afterEach(() => emulator.close());

/** Resolves or rejects with the promise, or rejects once 5 s pass without either. */
function within5s<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within 5 s`)), 5000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('@qlik/api in Node with client_credentials', () => {
  it('reads users/me: the OAuth client’s bot user', async () => {
    const me = await within5s(users.getMyUser({ hostConfig }), 'users.getMyUser');
    expect(me.status).toBe(200);
    expect(me.data).toMatchObject({
      id: `bot-${BOT.clientId}`,
      subject: `qlikbot\\${BOT.clientId}`,
      tenantId: 'emulator-tenant',
      status: 'active',
    });
  });

  it('opens an app session over a Bearer engine socket and reads the layout and sheets', async () => {
    const session = qix.openAppSession({ appId: SALES_APP.id, hostConfig });
    try {
      const doc = await within5s(session.getDoc(), 'getDoc');
      const layout = await within5s(doc.getAppLayout(), 'getAppLayout');
      expect(layout.qTitle).toBe(SALES_APP.name);
      expect(layout.qFileName).toBe(SALES_APP.id);
      const sheets = await within5s(doc.getSheetList(), 'getSheetList');
      expect(sheets.map((sheet) => sheet.qInfo?.qId)).toEqual(
        sheetsOf(defaultConfig().apps[0]!).map((sheet) => sheet.id),
      );
      expect(await within5s(doc.evaluate('1+1'), 'evaluate')).toBe('2');
    } finally {
      await within5s(session.close(), 'close');
    }
  });

  it('rejects, not hangs, when the app does not exist, and sees close code 4204', async () => {
    const session = qix.openAppSession({ appId: 'no-such-app', hostConfig });
    const closed = new Promise<unknown>((resolve) =>
      session.onWebSocketEvent((event) => {
        const { eventType, code } = event as { eventType: string; code?: unknown };
        if (eventType === 'suspended') resolve(code);
      }),
    );
    try {
      // The socket opens and is then closed with 4204, so enigma.js (under @qlik/api) reports
      // the OpenDoc that could not be sent; the close code arrives as a websocket event.
      await expect(within5s(session.getDoc(), 'getDoc')).rejects.toThrow(
        /Failed to open app no-such-app/,
      );
      expect(await within5s(closed, 'the close event')).toBe(4204);
    } finally {
      await within5s(session.close(), 'close');
    }
  });
});

describe('enigma.js in Node with a Bearer header', () => {
  interface Doc extends EnigmaJS.QixObject {
    getAppLayout(): Promise<{ qTitle: string }>;
    getObject(id: string): Promise<EnigmaJS.QixObject>;
  }

  async function open(url: string) {
    const { tokens } = await signIn(emulator.url, { user: ADA.id });
    const session = enigma.create({
      schema,
      url,
      createSocket: (socketUrl: string) =>
        new WebSocket(socketUrl, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        }) as never,
    });
    return session;
  }

  it('reads the layout, and getObject("missing") rejects with OBJECT_NOT_FOUND', async () => {
    const session = await open(engineUrl(emulator.url, SALES_APP.id));
    try {
      const global = await within5s(
        session.open<EnigmaJS.QixObject & { openDoc(id: string): Promise<Doc> }>(),
        'open',
      );
      const doc = await within5s(global.openDoc(SALES_APP.id), 'openDoc');
      expect((await within5s(doc.getAppLayout(), 'getAppLayout')).qTitle).toBe(SALES_APP.name);
      await expect(within5s(doc.getObject('missing'), 'getObject')).rejects.toMatchObject({
        code: -2, // enigma.js errorCodes.OBJECT_NOT_FOUND
      });
    } finally {
      await within5s(session.close(), 'close');
    }
  });

  it('rejects, not hangs, when the app does not exist, and reports close code 4204', async () => {
    const session = await open(engineUrl(emulator.url, 'no-such-app'));
    const closed = new Promise<number>((resolve) =>
      session.on('closed', (event: { code: number }) => resolve(event.code)),
    );
    try {
      const opening = session
        .open<EnigmaJS.QixObject & { openDoc(id: string): Promise<Doc> }>()
        .then((global) => global.openDoc('no-such-app'));
      await expect(within5s(opening, 'open')).rejects.toBeInstanceOf(Error);
      expect(await within5s(closed, 'closed')).toBe(4204);
    } finally {
      await within5s(session.close(), 'close');
    }
  });
});
