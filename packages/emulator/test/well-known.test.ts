import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch, expectError, json, signIn, start, type RunningEmulator } from './helpers.js';

interface Metadata {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
}

describe('/.well-known/oauth-authorization-server', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await start();
  });
  afterAll(() => emulator.close());

  it('names its own origin as the issuer and its endpoints under it', async () => {
    const res = await fetch(`${emulator.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const metadata = await json<Metadata>(res);
    expect(metadata.issuer).toBe(emulator.url);
    expect(metadata.jwks_uri).toBe(`${emulator.url}/.well-known/jwks.json`);
    expect(metadata.authorization_endpoint).toBe(`${emulator.url}/oauth/authorize`);
    expect(metadata.token_endpoint).toBe(`${emulator.url}/oauth/token`);
    expect(metadata.revocation_endpoint).toBe(`${emulator.url}/oauth/revoke`);
  });

  it('follows the origin the client used, so 127.0.0.1 and localhost both validate', async () => {
    const origin = `http://127.0.0.1:${emulator.port}`;
    const metadata = await json<Metadata>(
      await fetch(`${origin}/.well-known/oauth-authorization-server`),
    );
    expect(metadata.issuer).toBe(origin);
    expect(metadata.token_endpoint).toBe(`${origin}/oauth/token`);
  });

  it('lists all five grant types, the code response type and S256 only', async () => {
    const metadata = await json<Metadata>(
      await fetch(`${emulator.url}/.well-known/oauth-authorization-server`),
    );
    expect([...metadata.grant_types_supported].sort()).toEqual(
      [
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:qlik:oauth:user-impersonation',
      ].sort(),
    );
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('publishes a jwks_uri whose keys verify an issued access token', async () => {
    const metadata = await json<Metadata>(
      await fetch(`${emulator.url}/.well-known/oauth-authorization-server`),
    );
    const { tokens } = await signIn(emulator.url);
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    // Qlik's shape (https://qlik.dev/changelog/67-oauth-token-contents): `iss` is "qlik.api" and
    // `aud` the tenant's URL.
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: 'qlik.api',
      audience: metadata.issuer,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(typeof payload.jti).toBe('string');
  });

  it('serves public keys only', async () => {
    const res = await fetch(`${emulator.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const { keys } = await json<{ keys: Record<string, unknown>[] }>(res);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.kid).toBeTruthy();
      expect(key.d).toBeUndefined();
    }
  });

  it('refuses other methods with 405 and the errors body', async () => {
    await expectError(
      await fetch(`${emulator.url}/.well-known/oauth-authorization-server`, { method: 'POST' }),
      405,
    );
    await expectError(
      await fetch(`${emulator.url}/.well-known/jwks.json`, { method: 'DELETE' }),
      405,
    );
  });

  it('answers an unknown path with 404 and the errors body', async () => {
    await expectError(await fetch(`${emulator.url}/no/such/path`), 404, 'HTTP-404');
  });
});
