import { QlikAuthError } from './errors.js';

/**
 * Checks that this environment has what the core's cryptography needs: Web Crypto
 * (`crypto.subtle`, for PKCE and the sealed session) and `TextEncoder`/`TextDecoder`. Browsers
 * have them in secure contexts (https:, localhost). Nothing of
 * it is touched when the core is imported (a server, or a test runner's jsdom, may load the
 * package without them); the first call that needs them asks here, and fails with a typed error
 * that says how to get them, instead of a `ReferenceError` from deep inside.
 * @throws QlikAuthError `unsupported` when any of them is missing
 */
export function requireWebCrypto(): void {
  // TextDecoder comes with TextEncoder wherever either is.
  if (!globalThis.crypto?.subtle || typeof TextEncoder != 'function') {
    throw new QlikAuthError(
      'unsupported',
      "no Web Crypto: in Jest's jsdom, set up @qlik-auth/testing/environment",
    );
  }
}

/** `text` as UTF-8 bytes; the encoder is made on use, never when the module loads. */
export const utf8 = (text: string) => new TextEncoder().encode(text);
