// @vitest-environment node
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

// The CommonJS builds, as Jest loads them (it requires `main`/`require`, node_modules untransformed).
const built = (pkg: string) =>
  fileURLToPath(new URL(`../../../${pkg}/dist/index.cjs`, import.meta.url));
const requireFromReact = createRequire(built('react'));

// What a CommonJS module exports: called and compared here, hence untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Exports = Record<string, any>;

/** What a page's realm has that the core may use, and jsdom offers too. */
const HOST_GLOBALS = [
  'console',
  'setTimeout',
  'clearTimeout',
  'queueMicrotask',
  'URL',
  'URLSearchParams',
  'AbortController',
  'AbortSignal',
  'EventTarget',
  'Event',
  'atob',
  'btoa',
];

/**
 * A realm like Jest's jsdom environment with no setup files: the language's own globals and
 * the host's {@link HOST_GLOBALS}, but no `TextEncoder`, `TextDecoder`, `crypto` or `CryptoKey`
 * (nor IndexedDB, nor fetch). `globals` adds some.
 */
function realm(globals: PropertyDescriptorMap = {}) {
  const scope = {};
  for (const name of HOST_GLOBALS) {
    Object.defineProperty(scope, name, {
      value: (globalThis as Exports)[name],
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperties(scope, globals);
  return createContext(scope);
}

/** Evaluates a CommonJS file in `context`; `modules` answers its `require`s first. */
function load(context: object, file: string, modules: Exports = {}): Exports {
  const module = { exports: {} as Exports };
  const wrapper = runInContext(
    `(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`,
    context,
    { filename: file },
  );
  wrapper(module.exports, (id: string) => modules[id] ?? requireFromReact(id), module);
  return module.exports;
}

/** The built core, then the built React bindings on it, in `context`. */
function loadBoth(context: object) {
  const core = load(context, built('core'));
  const react = load(context, built('react'), { '@qlik-auth/core': core });
  return { core, react };
}

const tenant = 'https://tenant.eu.qlikcloud.com';
const options = {
  host: tenant,
  clientId: 'spa',
  redirectUri: 'http://localhost/',
  storage: 'memory',
  // Known metadata: the first call's failure is then the environment's, not the network's.
  metadata: {
    issuer: `${tenant}/`,
    authorization_endpoint: `${tenant}/oauth/authorize`,
    token_endpoint: `${tenant}/oauth/token`,
  },
};

describe('the built packages where TextEncoder and Web Crypto are missing', () => {
  it('are built (run `pnpm build` first)', () => {
    expect(existsSync(built('core')) && existsSync(built('react'))).toBe(true);
  });

  it('load without throwing, core and React bindings alike', () => {
    const { core, react } = loadBoth(realm());
    expect(typeof core.createQlikAuth).toBe('function');
    expect(typeof react.QlikAuthProvider).toBe('function');
    expect(react.createQlikAuth).toBe(core.createQlikAuth);
  });

  it('touch neither Web Crypto nor the text codecs while loading, where they exist', () => {
    const touched: string[] = [];
    const trap = (name: string): PropertyDescriptor => ({
      configurable: true,
      get: () => {
        touched.push(name);
        return (globalThis as Exports)[name];
      },
    });
    loadBoth(
      realm({
        crypto: trap('crypto'),
        CryptoKey: trap('CryptoKey'),
        TextEncoder: trap('TextEncoder'),
        TextDecoder: trap('TextDecoder'),
      }),
    );
    expect(touched).toEqual([]);
  });

  it('create an instance, which restores nothing and is signed out', async () => {
    const { core } = loadBoth(realm());
    const auth = core.createQlikAuth(options);
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(auth.getSnapshot().status).toBe('signedOut');
    auth.destroy();
  });

  it('reject the first call that needs them with a typed error naming the test environment', async () => {
    const { core } = loadBoth(realm());
    const auth = core.createQlikAuth({ ...options, navigate: () => {} });
    const unsupported = {
      name: 'QlikAuthError',
      code: 'unsupported',
      message: expect.stringContaining('@qlik-auth/testing/environment'),
    };
    const signIn = auth.signIn();
    await expect(signIn).rejects.toBeInstanceOf(core.QlikAuthError);
    await expect(signIn).rejects.toMatchObject(unsupported);
    auth.destroy();
  });
});
