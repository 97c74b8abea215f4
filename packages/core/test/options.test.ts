import { describe, expect, it } from 'vitest';
import {
  createQlikAuth,
  QlikAuthError,
  QlikAuthErrorCode,
  type QlikAuthOptions,
} from '../src/index.js';
import { rejectionOf, setup } from './helpers.js';

const base = {
  clientId: 'spa',
  redirectUri: 'http://localhost:3000/callback',
  storage: 'memory',
} as const;

describe('host', () => {
  it.each([
    ['tenant.eu.qlikcloud.com', 'https://tenant.eu.qlikcloud.com'],
    ['  Tenant.EU.QlikCloud.com  ', 'https://tenant.eu.qlikcloud.com'],
    ['https://tenant.eu.qlikcloud.com', 'https://tenant.eu.qlikcloud.com'],
    ['https://tenant.eu.qlikcloud.com/', 'https://tenant.eu.qlikcloud.com'],
    ['http://localhost:8787', 'http://localhost:8787'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['http://[::1]:8787', 'http://[::1]:8787'],
  ])('accepts %j as %s', async (host, origin) => {
    const auth = createQlikAuth({ ...base, host });
    expect(auth.getSnapshot().status).toBe('loading');
    // The metadata check proves the normalised origin: it must equal the issuer.
    expect(() =>
      createQlikAuth({ ...base, host, metadata: { issuer: `${origin}/` } }),
    ).not.toThrow();
    expect(() =>
      createQlikAuth({ ...base, host, metadata: { issuer: 'https://other.example' } }),
    ).toThrow(QlikAuthError);
  });

  it.each([
    ['an empty host', ''],
    ['plain http to a remote host', 'http://tenant.eu.qlikcloud.com'],
    ['plain http to a host that starts like localhost', 'http://localhost.evil.example'],
    ['a path', 'https://tenant.eu.qlikcloud.com/api'],
    ['a query', 'https://tenant.eu.qlikcloud.com/?x=1'],
    ['credentials', 'https://user:pass@tenant.eu.qlikcloud.com'],
    ['another scheme', 'ftp://tenant.eu.qlikcloud.com'],
    ['a non-URL', 'https://exa mple.com'],
  ])('refuses %s', (_label, host) => {
    expect(() => createQlikAuth({ ...base, host })).toThrow(
      expect.objectContaining({ code: QlikAuthErrorCode.INVALID_OPTIONS, retryable: false }),
    );
  });

  it('talks plain http to a loopback tenant (the emulator) in every step', async () => {
    const { auth, signIn, tenant } = setup({ tenant: { origin: 'http://localhost:8787' } });
    await signIn(auth);
    await auth.signOut();
    expect(tenant.requests.map((request) => request.url)).toEqual([
      'http://localhost:8787/.well-known/oauth-authorization-server',
      'http://localhost:8787/oauth/token',
      'http://localhost:8787/api/v1/users/me',
      'http://localhost:8787/oauth/revoke',
      'http://localhost:8787/oauth/revoke',
    ]);
    expect(tenant.revoked).toHaveLength(2);
  });

  it('keeps an https tenant on https: plain-http endpoints in its metadata are refused', async () => {
    const { create, tenant } = setup();
    const auth = create({
      metadata: {
        ...tenant.metadata,
        token_endpoint: tenant.metadata.token_endpoint.replace('https:', 'http:'),
      },
    });
    const error = await rejectionOf(auth.signIn());
    expect(error.code).toBe('untrusted_url');
    expect(tenant.to('/oauth/token')).toHaveLength(0);
  });
});

describe('options', () => {
  it.each<[string, Partial<QlikAuthOptions>]>([
    ['a missing clientId', { clientId: '' }],
    ['empty scopes', { scopes: [] }],
    ['a scope with a space', { scopes: ['user_default offline_access'] }],
    ['an unknown storage', { storage: 'localStorage' as 'memory' }],
    ['a storage object without update', { storage: { get: async () => undefined } as never }],
    ['a relative redirectUri', { redirectUri: '/callback' }],
    ['a javascript: redirectUri', { redirectUri: 'javascript:alert(1)' }],
    ['a negative leeway', { leewaySeconds: -1 }],
    ['a non-number leeway', { leewaySeconds: '60' as unknown as number }],
    ['a fetch that is no function', { fetch: 'fetch' as unknown as typeof fetch }],
    ['metadata for another issuer', { metadata: { issuer: 'https://evil.example' } }],
  ])('refuses %s with invalid_options', (_label, override) => {
    expect(() => createQlikAuth({ host: 'tenant.eu.qlikcloud.com', ...base, ...override })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it('refuses missing options', () => {
    expect(() => createQlikAuth(undefined as unknown as QlikAuthOptions)).toThrow(QlikAuthError);
  });

  it('exports every error code as a constant', () => {
    expect(Object.values(QlikAuthErrorCode).sort()).toEqual(
      [
        'authorization_error',
        'invalid_grant',
        'interaction_required',
        'invalid_options',
        'invalid_response',
        'login_required',
        'network_error',
        'not_signed_in',
        'request_rejected',
        'server_error',
        'session_expired',
        'state_mismatch',
        'storage_unavailable',
        'token_expired',
        'transaction_expired',
        'transaction_not_found',
        'unsupported',
        'untrusted_url',
        'popup_blocked',
        'popup_closed',
        'timeout',
      ].sort(),
    );
  });
});
