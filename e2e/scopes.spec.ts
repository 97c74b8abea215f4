// Fine-grained scopes in Chromium: a single-page app on Qlik's narrow scopes (help.qlik.com,
// "OAuth scopes reference") signs in with the core's browser build against its own emulator,
// learns who it is from users/me, and gets 403 from an API its scopes do not cover. The spec runs
// its own emulator and page server on ports the OS picks.
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { startEmulator, type RunningEmulator } from '@qlik-auth/emulator';
import { startFileServer } from './support/file-server.js';
import { jwtClaims } from './support/harness.js';

const browserBuild = fileURLToPath(new URL('../packages/core/dist/browser', import.meta.url));
const CLIENT = 'reader-spa';

let emulator: RunningEmulator;
let app: Awaited<ReturnType<typeof startFileServer>>;
/** The app's pages, filled in once the emulator's address is known. */
const pages: Record<string, string> = {};

/** The app: one page, which is also its callback page, on the core's script-tag build. */
function appPage(host: string): string {
  return `<!doctype html><title>reader</title>
<script src="/qlik-auth.iife.js"></script>
<script>
  const scopes = (new URLSearchParams(location.search).get('scopes') || 'apps:read identity.name:read').split(' ');
  window.auth = QlikAuth.createQlikAuth({
    host: ${JSON.stringify(host)},
    clientId: ${JSON.stringify(CLIENT)},
    redirectUri: location.origin + '/callback',
    scopes,
  });
  if (new URLSearchParams(location.search).has('state')) {
    window.callback = window.auth.handleRedirectCallback().then(
      () => 'done',
      (error) => 'failed:' + error.code,
    );
  }
</script>`;
}

test.beforeAll(async () => {
  app = await startFileServer(browserBuild, pages);
  emulator = await startEmulator({
    port: 0,
    config: {
      autoApprove: true,
      clients: [
        {
          clientId: CLIENT,
          appType: 'spa',
          redirectUris: [`${app.origin}/callback`],
          allowedOrigins: [app.origin],
          // Reading apps and the user's name: no user_default.
          scopes: ['apps:read', 'identity.name:read'],
        },
      ],
    },
  });
  pages['/'] = pages['/callback'] = appPage(emulator.url);
});

test.afterAll(async () => {
  await app?.close();
  await emulator?.close();
});

/** Signs Ada in on `scopes` (the emulator approves at once) and waits for the callback. */
async function signIn(page: Page, scopes: string): Promise<void> {
  await page.goto(`${app.origin}/?scopes=${encodeURIComponent(scopes)}`);
  await page.waitForFunction(() => window.auth.getSnapshot().status === 'signedOut');
  await page.evaluate(() => void window.auth.signIn({ loginHint: 'ada@example.com' }));
  await page.waitForURL((url) => url.pathname === '/callback');
  expect(await page.evaluate(() => window.callback)).toBe('done');
}

/** What `auth.fetch(path)` answers in the page: the status and the first Qlik error code. */
const call = (page: Page, path: string) =>
  page.evaluate(async (p) => {
    const response = await window.auth.fetch(p);
    const body = (await response.json().catch(() => ({}))) as { errors?: { code: string }[] };
    return { status: response.status, code: body.errors?.[0]?.code };
  }, path);

const user = (page: Page) =>
  page.evaluate(() => {
    const { status, user, userError } = window.auth.getSnapshot();
    return { status, id: user?.id, name: user?.name, userError: userError?.code };
  });

test('apps:read and identity.name:read: the user from users/me, apps listed, a Qlik-shaped token', async ({
  page,
}) => {
  await signIn(page, 'apps:read identity.name:read');
  expect(await user(page)).toEqual({
    status: 'signedIn',
    id: 'user-ada',
    name: 'Ada Lovelace',
    userError: undefined,
  });
  expect(await call(page, '/api/v1/items?resourceType=app')).toEqual({
    status: 200,
    code: undefined,
  });
  const claims = jwtClaims(await page.evaluate(() => window.auth.getToken()));
  expect(claims).toMatchObject({ iss: 'qlik.api', purpose: 'accessToken' });
  expect(claims).not.toHaveProperty('sub');
  expect(claims).not.toHaveProperty('scope');

  // After a reload: the same user, from storage, with no new users/me request needed.
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.auth.getSnapshot().status !== 'loading');
  expect(await user(page)).toMatchObject({
    status: 'signedIn',
    id: 'user-ada',
    name: 'Ada Lovelace',
  });
});

test('identity.name:read alone: the user is known, and the apps API answers 403', async ({
  page,
}) => {
  await signIn(page, 'identity.name:read');
  expect(await user(page)).toMatchObject({
    status: 'signedIn',
    id: 'user-ada',
    name: 'Ada Lovelace',
  });
  // The token is good, but its scopes do not read apps: 403, whoever the user is.
  expect(await call(page, '/api/v1/items?resourceType=app')).toEqual({
    status: 403,
    code: 'EMULATOR-INSUFFICIENT_SCOPE',
  });
  expect(await call(page, '/api/v1/users/me')).toEqual({ status: 200, code: undefined });
  // A 403 from an API is the app's to show: the session goes on.
  expect((await user(page)).status).toBe('signedIn');
});

declare global {
  interface Window {
    auth: {
      getSnapshot(): {
        status: string;
        user?: { id: string; name?: string };
        userError?: { code: string };
      };
      getToken(): Promise<string>;
      signIn(options?: { loginHint?: string }): Promise<void>;
      handleRedirectCallback(): Promise<unknown>;
      fetch(input: string): Promise<Response>;
    };
    callback?: Promise<string> | string;
  }
}
