// A page for the end-to-end suite only: @qlik/api (REST, the engine, web resources) on a
// qlik-auth session through `qlikApiAuthModule`, exposed on `window` so Playwright can drive it in
// several tabs (as `window.qlikApiHarness`). Not part of the demo's UI.
//
// Query parameters configure the instance for a test (the demo takes none):
//   autoRefresh=0|1   refresh ahead of expiry in the background (default: the core's, on)
import { createQlikAuth, QlikAuthError, type QlikAuthOptions } from '@qlik-auth/core';
import { qlikApiAuthModule } from '@qlik-auth/core/qlik-api';
import { auth as qlikApi, items, qix, users } from '@qlik/api';
import { config } from '../config.js';

const params = new URL(location.href).searchParams;
const options: Partial<QlikAuthOptions> = {};
if (params.has('autoRefresh')) {
  options.autoRefresh = !/^(0|false|off|no)$/i.test(params.get('autoRefresh')!);
}

const auth = createQlikAuth({
  ...config,
  // The demo's callback page: the demo finishes the sign-in there and loads this page again.
  redirectUri: `${location.origin}/callback`,
  ...options,
});
qlikApi.registerAuthModule('qlik-auth', qlikApiAuthModule(auth));
const hostConfig = { host: config.host, authType: 'qlik-auth' } as const;
qlikApi.setDefaultHostConfig(hostConfig);

const status = document.getElementById('status')!;
function render(): void {
  const snapshot = auth.getSnapshot();
  status.textContent = snapshot.status;
  status.dataset.status = snapshot.status;
}
auth.subscribe(render);
render();

/** A failure as plain data for the test: what kind of error, and the core's code if it has one. */
interface Failure {
  name: string;
  message: string;
  isQlikAuthError: boolean;
  code?: unknown;
  status?: unknown;
}
type Outcome<T> = { ok: true; value: T } | { ok: false; error: Failure };

async function settle<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (thrown) {
    const error = thrown as Error & { code?: unknown; status?: unknown };
    return {
      ok: false,
      error: {
        name: error?.name,
        message: error?.message,
        isQlikAuthError: thrown instanceof QlikAuthError,
        code: error?.code,
        status: error?.status,
      },
    };
  }
}

/** Loads `url` in an <img>: its natural width, or a rejection when it does not load. */
function loadImage(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () =>
      reject(new Error(`could not load ${url.replace(/accessToken=[^&]+/, 'accessToken=…')}`));
    image.src = url;
  });
}

// Every call skips @qlik/api's response cache: each one must reach the tenant.
const harness = {
  auth,
  /** `users.getMyUser()`. */
  getMyUser: () => settle(async () => (await users.getMyUser({ noCache: true })).data),
  /** `items.getItems({ resourceType: 'app' })`. */
  getApps: () =>
    settle(async () => (await items.getItems({ resourceType: 'app' }, { noCache: true })).data),
  /** `qix.openAppSession(appId)`, then the Doc's `getAppLayout()`; the session is closed after. */
  getAppLayout: (appId: string) =>
    settle(async () => {
      const session = qix.openAppSession({ appId });
      try {
        const layout = await (await session.getDoc()).getAppLayout();
        return { qTitle: layout.qTitle };
      } finally {
        await session.close();
      }
    }),
  /** An app's thumbnail, with @qlik/api's web resource parameters, loaded in an <img>. */
  loadThumbnail: (thumbnail: string) =>
    settle(async () => {
      const { queryParams } = await qlikApi.getWebResourceAuthParams({ hostConfig });
      const url = new URL(thumbnail);
      for (const [key, value] of Object.entries(queryParams)) url.searchParams.set(key, value);
      return { width: await loadImage(url.href), params: Object.keys(queryParams) };
    }),
};

declare global {
  interface Window {
    qlikApiHarness: typeof harness;
  }
}
window.qlikApiHarness = harness;
