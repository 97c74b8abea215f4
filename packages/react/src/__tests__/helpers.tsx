import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { cleanup } from '@testing-library/react';
import { Component, type ReactNode } from 'react';
import { afterEach } from 'vitest';
import {
  createQlikAuth,
  useQlikAuth,
  useQlikToken,
  type QlikAuth,
  type QlikAuthOptions,
  type QlikTokenOptions,
} from '../index.js';
import { createTestTenant, type TestTenant } from '@qlik-auth/testing';

/** Every instance a test created: destroyed after it, so that none calls the next test's tenant. */
const instances: QlikAuth[] = [];

afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
  for (const auth of instances.splice(0)) auth.destroy();
});

/**
 * A tenant of this test file's tests, with the two counts they read from its request log. Its
 * client is a single-page app (no refresh tokens, as on Qlik Cloud) or a native client.
 */
function createTenant(appType: TestTenant['appType']) {
  const kit = createTestTenant({
    appType,
    users: [{ id: 'user-ada', subject: 'emulator|ada', name: 'Ada Lovelace' }],
    redirectUri: `${location.origin}/callback`,
  });
  return Object.assign(kit, {
    /** Token requests of one grant type, from the tenant's request log. */
    grants: (grantType: string) =>
      kit.requests().filter((r) => r.path === '/oauth/token' && r.grantType === grantType),
    /** Requests to one path, from the tenant's request log. */
    to: (path: string) => kit.requests().filter((r) => r.path === path),
  });
}

/**
 * One tenant per client type and test file, reset for each test: its ES256 signing key pair is
 * the costly part of a tenant, and a reset forgets all but the keys.
 */
const shared = new Map<TestTenant['appType'], ReturnType<typeof createTenant>>();

/** A Qlik OAuth error body (`meta.error` the RFC 6749 name), as a fault the tenant answers with. */
export const oauthError = (status: number, error: string, detail: string) => ({
  status,
  body: {
    errors: [{ code: 'OAUTH-1', title: error, detail, status: String(status), meta: { error } }],
  },
});

/**
 * An emulated tenant (`@qlik-auth/testing`, the emulator's own handler), reset, with the given
 * settings (token lifetimes), and the options of a real core instance wired to it. Each call
 * gets an empty IndexedDB (fake-indexeddb): tests never share a session. `navigate` is recorded
 * instead of leaving the page. The client is a single-page app unless `appType: 'native'` (a
 * test of refreshing needs a refresh token, which Qlik Cloud gives native and web clients only).
 */
export function setup(
  overrides: {
    appType?: TestTenant['appType'];
    tenant?: Parameters<TestTenant['configure']>[0];
    auth?: Partial<QlikAuthOptions>;
  } = {},
) {
  const appType = overrides.appType ?? 'spa';
  const tenant = shared.get(appType) ?? createTenant(appType);
  shared.set(appType, tenant);
  tenant.reset();
  tenant.configure(overrides.tenant ?? {});
  globalThis.indexedDB = new IDBFactory();
  const navigations: string[] = [];
  const warnings: string[] = [];
  const options: QlikAuthOptions = {
    ...tenant.clientOptions(),
    // A real browser's defaults: IndexedDB (fake-indexeddb here) and the page's clock.
    storage: 'indexeddb',
    now: undefined,
    navigate: (url) => void navigations.push(url),
    onWarning: (message) => void warnings.push(message),
    ...overrides.auth,
  };
  /** A new instance on the same storage: what each page load of the app creates. */
  const create = (extra: Partial<QlikAuthOptions> = {}) => {
    const auth = createQlikAuth({ ...options, ...extra });
    instances.push(auth);
    return auth;
  };

  /**
   * The first half of a sign-in, done by an earlier page: `signIn`, the tenant's login page,
   * and the browser back on the redirect URI with `code` and `state` (or an error).
   */
  async function arriveFromLogin(
    opts: { deny?: boolean; returnTo?: string; appState?: unknown } = {},
  ): Promise<string> {
    const earlier = create();
    await earlier.signIn({ returnTo: opts.returnTo, appState: opts.appState });
    earlier.destroy();
    const url = await tenant.authorize(navigations.pop()!, { deny: opts.deny });
    history.replaceState(null, '', url);
    return url;
  }

  /** A session in storage, as a returning user has; the page is back at `/`. */
  async function signedInBefore(): Promise<void> {
    await arriveFromLogin();
    const earlier = create();
    await earlier.handleRedirectCallback();
    earlier.destroy();
    history.replaceState(null, '', '/');
  }

  return { tenant, options, create, navigations, warnings, arriveFromLogin, signedInBefore };
}

/** The session as text: `signedIn as emulator|ada`, `signedOut (authorization_error)`. */
export function Status() {
  const { status, user, error } = useQlikAuth();
  return (
    <p data-testid="status">
      {status}
      {user ? ` as ${user.subject}` : ''}
      {error ? ` (${error.code})` : ''}
    </p>
  );
}

/** A token of one purpose as text, with its status and error. */
export function TokenView({
  testId = 'token',
  ...options
}: QlikTokenOptions & { testId?: string }) {
  const { token, expiresAt, status, error } = useQlikToken(options);
  return (
    <p data-testid={testId} data-token={token} data-expires-at={expiresAt} data-error={error?.code}>
      {status}:{token ? 'token' : 'none'}
      {error ? ` (${error.code})` : ''}
    </p>
  );
}

/** The claims of a JWT the tenant issued. */
export function claims(token: string): Record<string, unknown> {
  return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
}

/** Renders what was thrown at it, as an app's error boundary would. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return <p data-testid="boundary">{(error as { code?: string }).code ?? error.message}</p>;
  }
}

/** Lets pending promises, IndexedDB requests and timers of 0 ms run. */
export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
