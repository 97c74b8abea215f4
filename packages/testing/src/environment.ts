/**
 * What a browser-like test environment must offer the core and the tenant, and the repairs that
 * make jsdom offer it.
 *
 * jsdom runs a test with the typed-array constructors of its own realm: Vitest's jsdom
 * environment copies them onto the global, and Jest's jsdom environment is that realm. Node's
 * `TextEncoder` and Web Crypto still return bytes of Node's realm, so `bytes instanceof Uint8Array`
 * is false and oauth4webapi's base64url of the PKCE digest fails (`input.subarray is not a
 * function`). Jest's jsdom environment also lacks `TextEncoder`, `crypto.subtle` and the Fetch API
 * (`fetch`, `Request`, `Response`, `Headers`) altogether.
 */

/** Globals taken from Node when the environment has none. */
const FROM_NODE = [
  'TextEncoder',
  'TextDecoder',
  'fetch',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'Blob',
  'ReadableStream',
  'TransformStream',
  'WritableStream',
  'structuredClone',
] as const;

type Globals = Record<string, unknown>;

/** Node's own global object, reached from inside a test environment's realm, if this is Node. */
function nodeGlobal(): Globals | undefined {
  const getBuiltinModule = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule;
  const vm = getBuiltinModule?.('node:vm') as
    { runInThisContext(code: string): unknown } | undefined;
  // `runInThisContext` evaluates in the main context of Node, not in Jest's per-test context.
  return vm?.runInThisContext('globalThis') as Globals | undefined;
}

function define(target: Globals, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true });
}

/**
 * Makes the current test environment fit for `@qlik-auth/core` and the emulated tenant, and
 * changes nothing where it already is (Node, happy-dom, a real browser). Under jsdom it
 *
 * - gives back Node's `Uint8Array` and `ArrayBuffer` constructors, so the bytes that
 *   `TextEncoder` and `crypto.subtle` return are instances of the global ones (PKCE works);
 * - adds what Jest's jsdom environment lacks: `crypto.subtle` (Node's Web Crypto),
 *   `TextEncoder`/`TextDecoder`, the Fetch API and `structuredClone`, taken from Node.
 *
 * `createTestTenant` calls it. Call it (or import `@qlik-auth/testing/environment`) yourself
 * before anything else only where modules must load under Jest's jsdom environment: list
 * `@qlik-auth/testing/environment` in Jest's `setupFiles`. Idempotent.
 */
export function prepareTestEnvironment(): void {
  const scope = globalThis as unknown as Globals;
  const node = nodeGlobal();
  if (node && node !== scope) {
    for (const name of FROM_NODE) {
      if (scope[name] === undefined && node[name] !== undefined) define(scope, name, node[name]);
    }
    const nodeCrypto = node.crypto as Crypto | undefined;
    if (!(scope.crypto as Crypto | undefined)?.subtle && nodeCrypto?.subtle) {
      define(scope, 'crypto', nodeCrypto);
    }
  }
  if (typeof TextEncoder !== 'function') return;
  // Typed as what it may be in a foreign realm: an object that is not the global's Uint8Array.
  const bytes: { constructor: unknown; buffer: { constructor: unknown } } =
    new TextEncoder().encode('');
  if (bytes instanceof Uint8Array) return;
  // The constructors the platform's own encoder and Web Crypto use, whatever the global says.
  define(scope, 'Uint8Array', bytes.constructor);
  define(scope, 'ArrayBuffer', bytes.buffer.constructor);
}
