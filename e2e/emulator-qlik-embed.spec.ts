/**
 * @qlik/api in Chromium against the emulator, with nothing of qlik-auth on the page: its own
 * browser OAuth (`authType: 'oauth2'`, `clientId`, `redirectUri`) signs in, and it loads its
 * runtime modules from the emulator's `/qlik-embed/main.js`. Without main.js this page waits
 * forever; with it, users/me and an app layout arrive.
 *
 * The spec starts its own emulator and page server on free ports (not the shared 8787), so it
 * changes nothing other specs rely on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import { build } from 'esbuild';

const CLIENT_ID = 'qlik-api-spa';
const APP_ID = 'a1b2c3d4-0001-4000-8000-000000000001';

/** The page's script: @qlik/api's documented browser setup, then a few reads. */
const PAGE_SCRIPT = `
import { auth, qix, users } from '@qlik/api';

const { host, redirectUri, appId, clientId } = window.__setup;
auth.setDefaultHostConfig({ host, authType: 'oauth2', clientId, redirectUri });

(async () => {
  const result = {};
  try {
    result.me = (await users.getMyUser()).data;
    const session = qix.openAppSession({ appId });
    const doc = await session.getDoc();
    result.title = (await doc.getAppLayout()).qTitle;
    result.sheets = (await doc.getSheetList()).map((sheet) => sheet.qMeta.title);
    await session.close({ websocketCloseDelay: 0 });
  } catch (error) {
    result.error = String(error && error.message ? error.message : error);
  }
  document.getElementById('result').textContent = JSON.stringify(result);
})();
`;

/** Bundles the page script with the emulator's own devDependency @qlik/api, as an app build would. */
async function bundlePage(): Promise<string> {
  const result = await build({
    stdin: {
      contents: PAGE_SCRIPT,
      resolveDir: fileURLToPath(new URL('../packages/emulator/', import.meta.url)),
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['ws', 'fs'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A page on a real loopback server (Chromium's Local Network Access refuses a fulfilled route). */
async function startPage(setup: () => Record<string, string>, script: string) {
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/app.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return void res.end(script);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><meta charset="utf-8"><title>@qlik/api on the emulator</title>
<pre id="result"></pre>
<script>window.__setup = ${JSON.stringify(setup())};</script>
<script type="module" src="/app.js"></script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test.describe('@qlik/api in Chromium on the emulator’s /qlik-embed/main.js', () => {
  let emulator: RunningEmulator;
  let page: Awaited<ReturnType<typeof startPage>>;

  test.beforeAll(async () => {
    const script = await bundlePage();
    let origin = '';
    page = await startPage(
      () => ({ host: emulator.url, redirectUri: `${origin}/`, appId: APP_ID, clientId: CLIENT_ID }),
      script,
    );
    origin = page.origin;
    emulator = await startEmulator({
      port: 0,
      config: {
        autoApprove: true,
        clients: [
          {
            clientId: CLIENT_ID,
            appType: 'spa',
            redirectUris: [`${origin}/`],
            allowedOrigins: [origin],
          },
        ],
      },
    });
  });
  test.afterAll(async () => {
    await emulator?.close();
    await page?.close();
  });

  test('signs in with @qlik/api’s own OAuth, reads users/me and opens an app', async ({
    page: browser,
    request,
  }) => {
    const failures: string[] = [];
    browser.on('requestfailed', (request) => failures.push(request.url()));
    await browser.goto(`${page.origin}/`);
    await expect(browser.locator('#result')).not.toBeEmpty({ timeout: 20_000 });
    const result = JSON.parse((await browser.locator('#result').textContent()) ?? '{}');
    expect(result.error, JSON.stringify({ result, failures })).toBeUndefined();
    expect(result.me).toMatchObject({ id: 'user-ada', name: 'Ada Lovelace' });
    expect(result.title).toBe('Sales Overview');
    expect(result.sheets).toEqual(['Overview', 'Details']);

    // The runtime came from the emulator, and the page never held an access token in its URL.
    const log = await request.get(`${emulator.url}/__emulator/requests`);
    const paths = ((await log.json()).data as { path: string }[]).map((entry) => entry.path);
    expect(paths).toContain('/qlik-embed/main.js');
    expect(new URL(browser.url()).searchParams.get('code')).toBeNull();
  });
});
