// The core's self-contained browser build, loaded by <script> tags as a page without a bundler
// would: the classic script (global QlikAuth) signs in against the emulator, and the ES module
// build, on another page of the same origin, reads that session.
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startEmulator } from '@qlik-auth/emulator';
import { startFileServer } from '../support/file-server.js';

const browserBuild = fileURLToPath(new URL('../../packages/core/dist/browser', import.meta.url));

test('the IIFE build signs in from a script tag, and the ES module build reads the session', async ({
  page,
}) => {
  let config = { host: '', clientId: 'script-tag', redirectUri: '' };
  const classic = () => `<!doctype html><meta charset="utf-8"><title>iife</title>
<script src="/qlik-auth.iife.js"></script>
<p id="status">none</p>
<script>
  const auth = QlikAuth.createQlikAuth(${JSON.stringify(config)});
  window.auth = auth;
  const show = () => (document.getElementById('status').textContent = auth.getSnapshot().status);
  auth.subscribe(show);
  show();
  if (new URLSearchParams(location.search).has('state')) auth.handleRedirectCallback();
</script>`;
  const module = () => `<!doctype html><meta charset="utf-8"><title>esm</title>
<p id="status">none</p>
<script type="module">
  import { createQlikAuth } from '/qlik-auth.js';
  const auth = createQlikAuth(${JSON.stringify(config)});
  const show = () => (document.getElementById('status').textContent = auth.getSnapshot().status);
  auth.subscribe(show);
  show();
  window.me = () => auth.fetch('/api/v1/users/me').then((res) => res.json());
</script>`;
  const pages: Record<string, string> = {};
  const server = await startFileServer(browserBuild, pages);
  const emulator = await startEmulator({
    port: 0,
    config: {
      autoApprove: true,
      clients: [
        {
          clientId: 'script-tag',
          appType: 'spa',
          redirectUris: [`${server.origin}/`],
          allowedOrigins: [server.origin],
        },
      ],
    },
  });
  try {
    config = { host: emulator.url, clientId: 'script-tag', redirectUri: `${server.origin}/` };
    pages['/'] = classic();
    pages['/module.html'] = module();

    await page.goto(`${server.origin}/`);
    expect(await page.evaluate(() => typeof (window as { QlikAuth?: unknown }).QlikAuth)).toBe(
      'object',
    );
    await expect(page.locator('#status')).toHaveText('signedOut');
    await page.evaluate(() => (window as unknown as { auth: { signIn(): void } }).auth.signIn());
    await page.waitForURL((url) => url.origin === server.origin && url.searchParams.has('state'));
    await expect(page.locator('#status')).toHaveText('signedIn');

    await page.goto(`${server.origin}/module.html`);
    await expect(page.locator('#status')).toHaveText('signedIn');
    const me = await page.evaluate(() => (window as unknown as { me(): Promise<unknown> }).me());
    expect(me).toMatchObject({ id: expect.any(String) });
  } finally {
    await emulator.close();
    await server.close();
  }
});
