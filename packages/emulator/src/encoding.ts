/**
 * Encoding and hashing on the Web Crypto API only, so the tenant's handler runs wherever `fetch`
 * does (Node, browsers' test environments such as happy-dom and jsdom, Jest) with no `node:`
 * import in its module graph.
 */

// Made on use, not on import: some test environments (Jest's jsdom) lack TextEncoder until a
// setup file provides it, and importing the package must not fail there.
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** RFC 4648 section 5 base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes RFC 4648 section 5 base64url (padding optional); undefined when it is not base64url. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Random URL-safe identifier of `bytes` random bytes. */
export function randomId(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** base64url(SHA-256(text)): the S256 code challenge of RFC 7636 section 4.2. */
export async function sha256Base64url(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/** Compares two secrets in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = utf8(a);
  const right = utf8(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < left.length; i += 1) difference |= left[i]! ^ (right[i % right.length] ?? 0);
  return difference === 0;
}

/** Decodes standard base64 to UTF-8 text; undefined when it is not base64. */
export function decodeBase64(value: string): string | undefined {
  try {
    const binary = atob(value);
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (char) => char.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
}

/** UTF-8 length of a string, for Content-Length. */
export function byteLength(text: string): number {
  return utf8(text).length;
}
