import { QlikAuthError } from './errors.js';

/**
 * Checks that this environment has what the core's cryptography needs: Web Crypto
 * (`crypto.subtle`, for PKCE and the sealed session) and `TextEncoder`/`TextDecoder`. Nothing of
 * it is touched when the core is imported (a server, or a test runner's jsdom, may load the
 * package without them); the first call that needs them asks here, and fails with a typed error
 * that says how to get them, instead of a `ReferenceError` from deep inside.
 * @throws QlikAuthError `unsupported` when any of them is missing
 */
export function requireWebCrypto(): void {
  if (
    globalThis.crypto?.subtle &&
    typeof TextEncoder === 'function' &&
    typeof TextDecoder === 'function'
  )
    return;
  throw new QlikAuthError(
    'unsupported',
    'no Web Crypto or TextEncoder here (a browser has them on https: and localhost); ' +
      "under Jest's jsdom, add @qlik-auth/testing/environment to setupFiles",
  );
}

/** `text` as UTF-8 bytes; the encoder is made on use, never when the module loads. */
export const utf8 = (text: string) => new TextEncoder().encode(text);
