import { expect, test, type Page, type WebSocket } from '@playwright/test';
import { EMULATOR, emulatorControl } from './support/emulator.js';
import { MASHUP, jwtClaims, tokenRequests } from './support/harness.js';
import { captureTokens } from './support/tokens.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function signIn(page: Page): Promise<void> {
  await page.goto(MASHUP);
  await page.getByRole('button', { name: 'Sign in with Qlik Cloud' }).click();
  await page.waitForURL((url) => url.origin === EMULATOR);
  await page.getByLabel(/Ada Lovelace/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === new URL(MASHUP).origin);
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
}

interface Socket {
  url: string;
  sent: string[];
  received: string[];
  closed: boolean;
}

/** Records every engine WebSocket the page opens, with its frames. */
function recordSockets(page: Page): Socket[] {
  const sockets: Socket[] = [];
  page.on('websocket', (ws: WebSocket) => {
    if (!ws.url().startsWith('ws://localhost:8787/')) return; // not Vite's HMR socket
    const socket: Socket = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(socket);
    ws.on('close', () => (socket.closed = true));
    ws.on('framesent', (frame) => socket.sent.push(String(frame.payload)));
    ws.on('framereceived', (frame) => socket.received.push(String(frame.payload)));
  });
  return sockets;
}

test.describe('mashup: apps, thumbnails and the engine WebSocket', () => {
  test.beforeEach(async ({ request }) => {
    await emulatorControl(request).reset();
  });

  test('lists the apps with thumbnails through webResourceUrl and opens an app with webSocketUrl', async ({
    page,
    request,
  }) => {
    const control = emulatorControl(request);
    const { apps } = (await (await request.get(`${EMULATOR}/__emulator/config`)).json()) as {
      apps: { id: string; name: string }[];
    };
    expect(apps.length).toBeGreaterThanOrEqual(2);
    const tokens = captureTokens(page);
    const sockets = recordSockets(page);
    await signIn(page);

    // The list, from /api/v1/items with the access token.
    await expect(page.locator('#apps-status')).toHaveAttribute('data-state', 'loaded');
    await expect(page.getByTestId('app')).toHaveCount(apps.length);
    await expect(page.getByTestId('app-name')).toHaveText(apps.map((app) => app.name));

    // Each thumbnail loaded from a web-resource URL of the tenant.
    for (const app of apps) {
      const img = page.locator(`#app-thumbnail-${app.id}`);
      await expect
        .poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), {
          message: `thumbnail of ${app.name} loaded`,
        })
        .toBeGreaterThan(0);
      await expect(img).toHaveAttribute('data-state', 'loaded');
      const src = new URL((await img.getAttribute('src'))!);
      expect(src.origin).toBe(EMULATOR);
      expect(src.pathname).toBe(`/api/v1/apps/${app.id}/media/thumbnail`);
      const token = src.searchParams.get('accessToken');
      expect(token, 'the src carries accessToken').toBeTruthy();
      expect(jwtClaims(token!).purpose).toBe('webresource');
      const direct = await request.get(src.href);
      expect(direct.status()).toBe(200);
      expect(direct.headers()['content-type']).toContain('image/svg+xml');
    }
    // The emulator refuses anything but a webresource token there: the user's own access token
    // on the same URL is a 401, so the loaded images prove the purpose token was used.
    const plain = new URL(`/api/v1/apps/${apps[0]!.id}/media/thumbnail`, EMULATOR);
    plain.searchParams.set('accessToken', tokens.access[0]!);
    expect((await request.get(plain.href)).status()).toBe(401);
    // All thumbnails asked at once: one exchange, cached for the purpose.
    const exchanges = () =>
      control
        .requests()
        .then((log) => tokenRequests(log).filter((e) => e.grantType === TOKEN_EXCHANGE));
    expect((await exchanges()).map((e) => [e.purpose, e.status])).toEqual([['webresource', 200]]);

    // Open the second app: WebSocket with a websocket token, OnConnected, OpenDoc, GetAppLayout.
    const app = apps[1]!;
    const row = page.locator(`#app-${app.id}`);
    await row.getByRole('button', { name: `Open ${app.name}` }).click();
    await expect(row.getByTestId('app-qtitle')).toHaveText(app.name);
    await expect(row).toHaveAttribute('data-engine', 'open');

    expect(sockets).toHaveLength(1);
    const socket = sockets[0]!;
    const url = new URL(socket.url);
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe(new URL(EMULATOR).host);
    expect(url.pathname).toBe(`/app/${app.id}`);
    expect(jwtClaims(url.searchParams.get('accessToken')!).purpose).toBe('websocket');
    const received = socket.received.map((f) => JSON.parse(f) as Record<string, unknown>);
    const sent = socket.sent.map((f) => JSON.parse(f) as Record<string, unknown>);
    expect(received[0]).toMatchObject({ method: 'OnConnected' });
    expect(sent.map((m) => [m.handle, m.method])).toEqual([
      [-1, 'OpenDoc'],
      [1, 'GetAppLayout'],
    ]);
    expect(sent[0]!.params).toEqual({ qDocName: app.id });
    expect(received.slice(1)).toEqual([
      expect.objectContaining({
        id: sent[0]!.id,
        result: expect.objectContaining({ qReturn: expect.objectContaining({ qHandle: 1 }) }),
      }),
      expect.objectContaining({
        id: sent[1]!.id,
        result: { qLayout: expect.objectContaining({ qTitle: app.name }) },
      }),
    ]);

    // A second app reuses the cached websocket token: still one exchange per purpose.
    const first = apps[0]!;
    await page
      .locator(`#app-${first.id}`)
      .getByRole('button', { name: `Open ${first.name}` })
      .click();
    await expect(page.locator(`#app-${first.id}`).getByTestId('app-qtitle')).toHaveText(first.name);
    expect(sockets).toHaveLength(2);
    expect((await exchanges()).map((e) => [e.purpose, e.status])).toEqual([
      ['webresource', 200],
      ['websocket', 200],
    ]);
    await expect(page.locator('#error')).toBeHidden();
  });

  test('sign-out closes the engine sockets and clears the app list', async ({ page }) => {
    const sockets = recordSockets(page);
    await signIn(page);
    await expect(page.getByTestId('app').first()).toBeVisible();
    const row = page.getByTestId('app').first();
    await row.getByRole('button', { name: /^Open / }).click();
    await expect(row).toHaveAttribute('data-engine', 'open');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closed).toBe(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
    await expect(page.getByTestId('app')).toHaveCount(0);
    await expect(page.locator('#apps-card')).toBeHidden();
    await expect.poll(() => sockets[0]!.closed, { message: 'the engine socket closed' }).toBe(true);
  });
});
