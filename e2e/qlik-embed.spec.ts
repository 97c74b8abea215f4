/**
 * qlik-embed on a qlik-auth session, in Chromium, with Qlik's own packages as installed from the
 * registry (`@qlik/embed-react` 2.4.0, `@qlik/embed-web-components` 1.6.0) against the emulator.
 * They load `/qlik-embed/main.js` and its UI module from the emulator, whose stand-in draws the
 * chart as a titled table from the emulated engine (the real visuals come from a Qlik Cloud
 * tenant). Every token they use comes from qlik-auth, through `qlikEmbedHostConfig`; the request
 * log is the evidence.
 *
 * The spec starts its own emulator and page server on free ports (not the shared 8787): its
 * client is a native one, which Qlik Cloud gives refresh tokens, so a refused token can be
 * renewed silently whatever the shared `demo-spa` client gets.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import { build } from 'esbuild';

const CLIENT_ID = 'embed-native';
const SALES = 'a1b2c3d4-0001-4000-8000-000000000001';
const OTHER_APP = 'a1b2c3d4-0002-4000-8000-000000000002';
const e2eDir = fileURLToPath(new URL('.', import.meta.url));

/** Signs in (the emulator approves at once) and resolves once the page has a session. */
const SIGN_IN = `
import { createQlikAuth } from '@qlik-auth/core';

export const setup = window.__setup;
export const auth = createQlikAuth({
  host: setup.host,
  clientId: setup.clientId,
  redirectUri: location.origin + location.pathname,
  scopes: ['user_default', 'offline_access'],
});
window.__auth = auth;

export async function signedIn() {
  if (new URL(location.href).searchParams.has('state')) await auth.handleRedirectCallback();
  while (auth.getSnapshot().status === 'loading') {
    await new Promise((resolve) => auth.subscribe(resolve));
  }
  if (auth.getSnapshot().status !== 'signedIn') {
    await auth.signIn({ loginHint: 'ada@example.com' });
    await new Promise(() => {});
  }
}
`;

/** @qlik/embed-react's documented setup, with the host config from the provider's instance. */
const REACT_PAGE = `
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { QlikAuthProvider } from '@qlik-auth/react';
import { useQlikEmbedHostConfig } from '@qlik-auth/react/qlik-embed';
import { QlikEmbed, QlikEmbedConfig } from '@qlik/embed-react';
import { auth, setup, signedIn } from './sign-in.js';

function Chart() {
  const hostConfig = useQlikEmbedHostConfig();
  const [shown, setShown] = useState({ appId: setup.appId, objectId: setup.objectId });
  window.__show = (appId, objectId) => setShown({ appId, objectId });
  return (
    <QlikEmbedConfig.Provider value={hostConfig}>
      <QlikEmbed ui="analytics/chart" appId={shown.appId} objectId={shown.objectId} />
    </QlikEmbedConfig.Provider>
  );
}

await signedIn();
createRoot(document.getElementById('root')).render(
  <QlikAuthProvider auth={auth}>
    <Chart />
  </QlikAuthProvider>,
);
`;

/**
 * The web components' documented setup: their script tag names the tenant and the auth type
 * (`data-host`, `data-auth-type`); the page publishes the auth module under that name.
 */
const WEB_COMPONENTS_PAGE = `
import { qlikEmbedHostConfig } from '@qlik-auth/core/qlik-embed';
import { auth, setup, signedIn } from './sign-in.js';

await signedIn();
qlikEmbedHostConfig(auth);
let element;
window.__show = (appId, objectId) => {
  if (element && element.getAttribute('app-id') === appId) {
    element.setAttribute('object-id', objectId);
    return;
  }
  element?.remove();
  element = document.createElement('qlik-embed');
  element.setAttribute('ui', 'analytics/chart');
  element.setAttribute('app-id', appId);
  element.setAttribute('object-id', objectId);
  document.getElementById('root').append(element);
};
window.__show(setup.appId, setup.objectId);
`;

async function bundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: e2eDir, loader: 'tsx', sourcefile: 'page.tsx' },
    plugins: [
      {
        name: 'sign-in',
        setup(plugin) {
          plugin.onResolve({ filter: /^\.\/sign-in\.js$/ }, () => ({
            path: 'sign-in',
            namespace: 'page',
          }));
          plugin.onLoad({ filter: /.*/, namespace: 'page' }, () => ({
            contents: SIGN_IN,
            resolveDir: e2eDir,
            loader: 'js',
          }));
        },
      },
    ],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The pages on a real loopback server (Chromium's Local Network Access refuses a fulfilled route). */
async function startPages(setup: () => Record<string, string>) {
  const [react, webComponents] = await Promise.all([
    bundle(REACT_PAGE),
    bundle(WEB_COMPONENTS_PAGE),
  ]);
  const componentsScript = await readFile(
    createRequire(import.meta.url).resolve('@qlik/embed-web-components'),
    'utf8',
  );
  const page = (title: string, head: string, script: string) =>
    `<!doctype html><meta charset="utf-8"><title>${title}</title>${head}
<script>window.__setup = ${JSON.stringify(setup())};</script>
<div id="root"></div>
<script type="module" src="${script}"></script>`;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const js = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(body);
    };
    if (path === '/react.js') return js(react);
    if (path === '/web-components.js') return js(webComponents);
    if (path === '/qlik-embed-web-components.js') return js(componentsScript);
    res.writeHead(200, { 'content-type': 'text/html' });
    if (path === '/web-components.html') {
      const { host } = setup();
      return void res.end(
        page(
          '<qlik-embed> on qlik-auth',
          `<script src="/qlik-embed-web-components.js" data-host="${host}" data-auth-type="qlik-auth"></script>`,
          '/web-components.js',
        ),
      );
    }
    res.end(page('@qlik/embed-react on qlik-auth', '', '/react.js'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface LogEntry {
  method: string;
  path: string;
  status?: number;
  grantType?: string;
  purpose?: string;
  clientId?: string;
  credential?: string;
}

let emulator: RunningEmulator;
let pages: Awaited<ReturnType<typeof startPages>>;

test.beforeAll(async () => {
  let origin = '';
  pages = await startPages(() => ({
    host: emulator.url,
    clientId: CLIENT_ID,
    appId: SALES,
    objectId: `${SALES}-chart-revenue`,
  }));
  origin = pages.origin;
  emulator = await startEmulator({
    port: 0,
    config: {
      autoApprove: true,
      clients: [
        {
          clientId: CLIENT_ID,
          appType: 'native',
          redirectUris: [`${origin}/react.html`, `${origin}/web-components.html`],
          allowedOrigins: [origin],
          scopes: ['user_default', 'offline_access'],
        },
      ],
    },
  });
});
test.afterAll(async () => {
  await emulator?.close();
  await pages?.close();
});

async function control(method: string, path: string): Promise<unknown> {
  const response = await fetch(`${emulator.url}/__emulator${path}`, { method });
  expect(response.ok, `${method} ${path}`).toBe(true);
  return response.json();
}
const requestLog = async () => ((await control('GET', '/requests')) as { data: LogEntry[] }).data;

/** The stand-in's placeholder in the page. */
const placeholder = (page: Page) => page.locator('[data-qlik-embed-stand-in]');

/** The table the placeholder shows, row by row. */
async function tableOf(page: Page): Promise<string[][]> {
  return placeholder(page)
    .locator('table tr')
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent ?? '')),
    );
}

/** Opens a page, signs in through the emulator and waits for the first chart. */
async function mounted(page: Page, path: string) {
  await control('POST', '/reset');
  await page.goto(`${pages.origin}${path}`);
  await expect(placeholder(page)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  // A marker the page would lose on a reload.
  await page.evaluate(() => ((window as { __samePage?: boolean }).__samePage = true));
}

const samePage = (page: Page) =>
  page.evaluate(() => (window as { __samePage?: boolean }).__samePage === true);

for (const { name, path } of [
  { name: '@qlik/embed-react', path: '/react.html' },
  { name: '@qlik/embed-web-components', path: '/web-components.html' },
]) {
  test.describe(`${name} on qlikEmbedHostConfig`, () => {
    test('mounts a chart with qlik-auth’s tokens only: the Bearer on REST, a websocket-purpose token on the engine socket', async ({
      page,
    }) => {
      await mounted(page, path);
      await expect(placeholder(page).locator('strong')).toHaveText('Revenue by region');
      expect(await tableOf(page)).toEqual([
        ['Region', 'Revenue'],
        ['North', '1,240'],
        ['South', '980'],
        ['East', '765'],
        ['West', '1,315'],
      ]);
      await expect(placeholder(page)).toContainText(
        'the real Qlik visuals come from a Qlik Cloud tenant',
      );

      const log = await requestLog();
      expect(log.map((entry) => entry.path)).toContain('/qlik-embed/main.js');
      expect(log).toContainEqual(
        expect.objectContaining({ path: '/api/v1/items', status: 200, credential: 'bearer' }),
      );
      expect(log).toContainEqual(
        expect.objectContaining({ path: `/app/${SALES}`, status: 101, credential: 'websocket' }),
      );
      // The only tokens: qlik-auth's sign-in and its one websocket-purpose exchange.
      const grants = log.filter((entry) => entry.path === '/oauth/token');
      expect(grants.map((entry) => entry.purpose ?? entry.grantType)).toEqual([
        'authorization_code',
        'websocket',
      ]);
      expect(grants.every((entry) => entry.clientId === CLIENT_ID)).toBe(true);
      // Nothing of Qlik's own OAuth ran: no authorize redirect but qlik-auth's, no stored token.
      expect(log.filter((entry) => entry.path === '/oauth/authorize')).toHaveLength(1);
      expect(
        await page.evaluate(
          () => localStorage.length + sessionStorage.length + document.cookie.length,
        ),
      ).toBe(0);
    });

    test('recovers through the instance after the tenant expired the access token, without a reload', async ({
      page,
    }) => {
      await mounted(page, path);
      await control('DELETE', '/requests');
      await control('POST', '/users/user-ada/expire');

      // The next chart of the same app: its REST call is refused, renewed once, retried.
      await page.evaluate((id) => window.__show(id, `${id}-chart-orders`), SALES);
      await expect(placeholder(page).locator('strong')).toHaveText('Orders by quarter');
      await expect(placeholder(page)).toHaveAttribute('data-state', 'ready');
      const log = await requestLog();
      // (Without the browser's CORS preflights, OPTIONS, which carry no token.)
      const items = log.filter((entry) => entry.path === '/api/v1/items' && entry.method === 'GET');
      expect(items.map((entry) => entry.status)).toEqual([401, 200]);
      expect(items.every((entry) => entry.credential === 'bearer')).toBe(true);
      expect(log.filter((entry) => entry.grantType === 'refresh_token')).toHaveLength(1);

      // A chart of another app opens a socket of its own, with a websocket token exchanged
      // anew (the one in hand died with the expired grant's tokens).
      await page.evaluate((id) => window.__show(id, `${id}-chart-revenue`), OTHER_APP);
      await expect(placeholder(page).locator('strong')).toHaveText('Revenue by region');
      await expect(placeholder(page)).toHaveAttribute('data-state', 'ready');
      const after = await requestLog();
      const exchanged = after.findIndex((entry) => entry.purpose === 'websocket');
      const opened = after.findIndex((entry) => entry.path === `/app/${OTHER_APP}`);
      expect(exchanged).toBeGreaterThan(-1);
      expect(opened).toBeGreaterThan(exchanged);
      expect(after[opened]).toMatchObject({ status: 101, credential: 'websocket' });
      expect(after.filter((entry) => entry.grantType === 'refresh_token')).toHaveLength(1);
      expect(await samePage(page)).toBe(true);
    });

    test('after sign-out shows its own error and sends no more requests', async ({ page }) => {
      await mounted(page, path);
      await page.evaluate(() => window.__auth.signOut());
      await control('DELETE', '/requests');

      await page.evaluate((id) => window.__show(id, `${id}-chart-orders`), SALES);
      const alert = placeholder(page).getByRole('alert');
      await expect(alert).toHaveAttribute('data-error-code', 'not_signed_in');
      await expect(placeholder(page)).toHaveAttribute('data-state', 'error');
      // Given time to send anything it would, it sent nothing.
      await page.waitForTimeout(1_000);
      expect(await requestLog()).toEqual([]);
      expect(await samePage(page)).toBe(true);
    });
  });
}

declare global {
  interface Window {
    __show(appId: string, objectId: string): void;
    __auth: { signOut(): Promise<void> };
  }
}
