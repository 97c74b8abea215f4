import type { CryptoKey } from 'jose';
import { base64url, fromBase64url, utf8 } from '../encoding.js';

/** What a refresh token of the emulator says about itself. */
export interface RefreshTokenClaims {
  /** The grant (family) it belongs to. */
  familyId: string;
  /** Its place in the grant's rotation: 0 for the sign-in's token, one more for each rotation. */
  generation: number;
  /** The client it was issued to. */
  clientId: string;
  /** When it expires, in epoch milliseconds. */
  expiresAt: number;
}

/**
 * Refresh tokens that carry their own claims, sealed with a key of the tenant (HMAC-SHA-256), so
 * the tenant keeps one record per grant however often its refresh token rotates.
 *
 * Reuse detection (RFC 9700 section 4.14.2) must recognise every rotated-out refresh token of a
 * live grant. Remembering each one costs memory with every refresh for as long as the grant lives
 * (30 days by default); here a token's place in the rotation is in the token, so any token of the
 * grant older than the current one is a rotated-out one, and the seal proves the tenant issued
 * it. Once a grant is forgotten, the claims still tell an expired token from a revoked one.
 *
 * Qlik Cloud's refresh tokens are opaque and their format is not documented: clients must treat
 * these as opaque too (the claims are readable, but nothing may depend on them).
 * @see [RFC 9700 section 4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 */
export interface RefreshTokenSeal {
  /** The token for these claims: the same claims always give the same token. */
  seal(claims: RefreshTokenClaims): Promise<string>;
  /** The claims of a token this tenant sealed; undefined for anything else. */
  open(token: string): Promise<RefreshTokenClaims | undefined>;
}

/** Creates the seal of one tenant; its key is made on first use and lives as long as the tenant. */
export function createRefreshTokenSeal(): RefreshTokenSeal {
  let key: Promise<CryptoKey> | undefined;
  const keyOf = () =>
    (key ??= crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]) as Promise<CryptoKey>);
  return {
    async seal({ familyId, generation, clientId, expiresAt }) {
      const payload = base64url(utf8(JSON.stringify([familyId, generation, clientId, expiresAt])));
      const mac = await crypto.subtle.sign('HMAC', await keyOf(), utf8(payload));
      return `${payload}.${base64url(new Uint8Array(mac))}`;
    },
    async open(token) {
      const [payload, mac, ...rest] = token.split('.');
      const macBytes = mac === undefined ? undefined : fromBase64url(mac);
      if (!payload || !macBytes || rest.length) return undefined;
      if (!(await crypto.subtle.verify('HMAC', await keyOf(), macBytes, utf8(payload)))) {
        return undefined;
      }
      const [familyId, generation, clientId, expiresAt] = JSON.parse(
        new TextDecoder().decode(fromBase64url(payload)),
      ) as [string, number, string, number];
      return { familyId, generation, clientId, expiresAt };
    },
  };
}
