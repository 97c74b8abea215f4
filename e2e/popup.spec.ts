// Popup sign-in (`signInWithPopup`) in Chromium against the emulator: from a page inside another
// site's iframe, a popup the user closes, a popup the browser blocks, and a second tab that
// follows. The spec runs its own emulator, mashup and embedding page on ports the OS picks, so it
// shares nothing with the other specs' fixed-port servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import type { LogEntry } from './support/emulator.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A port that was free a moment ago (the OS's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let emulator: RunningEmulator;
const vites: ChildProcess[] = [];
let embedder: Server;
/** The mashup and the React demo (served by Vite), and a page of another site that iframes the mashup. */
let MASHUP: string;
let DEMO: string;
let EMBEDDER: string;

/** Serves an app of apps/ with Vite on `port`, signing in against the spec's emulator. */
function serveApp(app: string, port: number): void {
  // Vite's output, for when a page does not load.
  const log = openSync(test.info().outputPath(`vite-${app}.log`), 'w');
  vites.push(
    spawn('pnpm', ['exec', 'vite', '--port', String(port), '--strictPort'], {
      cwd: `${root}apps/${app}`,
      env: { ...process.env, VITE_QLIK_HOST: emulator.url },
      stdio: ['ignore', log, log],
      detached: true,
    }),
  );
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const mashupPort = await freePort();
  const demoPort = await freePort();
  MASHUP = `http://localhost:${mashupPort}`;
  DEMO = `http://localhost:${demoPort}`;
  emulator = await startEmulator({
    port: 0,
    config: {
      clients: [
        {
          clientId: 'demo-spa',
          appType: 'spa',
          redirectUris: [`${MASHUP}/callback`, `${DEMO}/callback`],
          allowedOrigins: [MASHUP, DEMO],
        },
      ],
    },
  });
  serveApp('mashup', mashupPort);
  serveApp('demo', demoPort);
  // 127.0.0.1 and localhost are different sites: the mashup is a third-party iframe here, with
  // partitioned storage, which the popup (a first-party window) cannot read.
  embedder = createServer((req, res) => {
    const sandboxed = req.url?.includes('sandbox');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>portal</title><h1>A portal on another site</h1>` +
        `<iframe id="app" src="${MASHUP}/" width="900" height="700"` +
        // Scripts and storage, but no popups: what a cautious embedder allows.
        `${sandboxed ? ' sandbox="allow-scripts allow-same-origin"' : ''}></iframe>`,
    );
  });
  await new Promise<void>((resolve) => embedder.listen(0, '127.0.0.1', resolve));
  EMBEDDER = `http://127.0.0.1:${(embedder.address() as AddressInfo).port}/`;
  for (const app of [MASHUP, DEMO]) {
    await expect
      .poll(
        () =>
          fetch(`${app}/`).then(
            (r) => r.ok,
            () => false,
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
  }
});

test.afterAll(async () => {
  for (const vite of vites) {
    // The whole group (pnpm and its vite); it may have ended already.
    if (vite.pid && vite.exitCode === null) process.kill(-vite.pid);
  }
  await new Promise((resolve) => embedder?.close(resolve));
  await emulator?.close();
});

/** The emulator's request log. */
async function requests(): Promise<LogEntry[]> {
  const response = await fetch(`${emulator.url}/__emulator/requests`);
  return ((await response.json()) as { data: LogEntry[] }).data;
}
const codeExchanges = async () =>
  (await requests()).filter(
    (e) => e.path === '/oauth/token' && e.grantType === 'authorization_code',
  );

/** Approves the sign-in on the emulator's login page in the popup, and waits for it to close. */
async function approveInPopup(popup: Page): Promise<void> {
  const closed = popup.waitForEvent('close');
  await popup.waitForURL((url) => url.origin === emulator.url);
  await popup.getByLabel(/Ada Lovelace/).check();
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await closed;
}

test('signs in by popup from a page inside a cross-origin iframe, exchanging the code in the iframe', async ({
  page,
  context,
}) => {
  await page.goto(EMBEDDER);
  const app = page.frameLocator('#app');
  await expect(app.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  const before = (await codeExchanges()).length;
  const opened = context.waitForEvent('page');
  await app.getByRole('button', { name: 'Sign in in a popup' }).click();
  await approveInPopup(await opened);
  await expect(app.locator('#status')).toHaveAttribute('data-status', 'signedIn');
  await expect(app.locator('#user-name')).toHaveText('Ada Lovelace');
  // The embedding page never left its site, and the code was exchanged once.
  expect(new URL(page.url()).hostname).toBe('127.0.0.1');
  expect((await codeExchanges()).length - before).toBe(1);
  expect(context.pages()).toEqual([page]);
});

test('rejects with popup_closed when the user closes the popup, the session unchanged', async ({
  page,
  context,
}) => {
  await page.goto(`${MASHUP}/`);
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  const before = (await codeExchanges()).length;
  const opened = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Sign in in a popup' }).click();
  const popup = await opened;
  await popup.waitForURL((url) => url.origin === emulator.url);
  await popup.close();
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'popup_closed');
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  expect((await codeExchanges()).length).toBe(before);
});

test('rejects with popup_blocked when the frame may not open popups', async ({ page, context }) => {
  await page.goto(`${EMBEDDER}?sandbox`);
  const app = page.frameLocator('#app');
  await expect(app.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  await app.getByRole('button', { name: 'Sign in in a popup' }).click();
  await expect(app.locator('#error')).toHaveAttribute('data-code', 'popup_blocked');
  await expect(app.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  expect(context.pages()).toEqual([page]);
});

test('a second tab follows a sign-in made by popup in the first, with no request of its own', async ({
  page,
  context,
}) => {
  await page.goto(`${MASHUP}/`);
  const other = await context.newPage();
  await other.goto(`${MASHUP}/`);
  await expect(other.locator('#status')).toHaveAttribute('data-status', 'signedOut');
  // The session's grants only (the apps' thumbnails also exchange purpose tokens).
  const grants = async () =>
    (await requests()).filter(
      (e) => e.grantType === 'authorization_code' || e.grantType === 'refresh_token',
    );
  const before = (await grants()).length;
  const opened = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Sign in in a popup' }).click();
  await approveInPopup(await opened);
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'signedIn');
  await expect(other.locator('#status')).toHaveAttribute('data-status', 'signedIn');
  // One grant in all: the first tab's code exchange. The other tab read storage, no refresh.
  expect((await grants()).slice(before).map((e) => e.grantType)).toEqual(['authorization_code']);
});

test('the React demo signs in by popup, and its redirect page hands over when it is the popup', async ({
  page,
  context,
}) => {
  await page.goto(`${DEMO}/`);
  await expect(page.getByTestId('landing')).toBeVisible();
  const before = (await codeExchanges()).length;
  const opened = context.waitForEvent('page');
  await page.getByTestId('sign-in-popup').click();
  await approveInPopup(await opened);
  await expect(page.getByTestId('auth-status')).toHaveAttribute('data-status', 'signedIn');
  await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');
  // The page never left, and the code was exchanged once, here.
  expect(new URL(page.url()).origin).toBe(DEMO);
  expect((await codeExchanges()).length - before).toBe(1);
});
