import { createHash, randomBytes } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';

/** The emulator every spec runs against (started by playwright.config.ts). */
export const EMULATOR = 'http://localhost:8787';

export interface LogEntry {
  method: string;
  path: string;
  status?: number;
  grantType?: string;
  purpose?: string;
  reuseDetected?: boolean;
  fault?: string;
  error?: string;
}

/** Thin client for the emulator's `/__emulator/` control API. */
export function emulatorControl(request: APIRequestContext) {
  const call = async (method: string, path: string, data?: unknown) => {
    const response = await request.fetch(`${EMULATOR}/__emulator${path}`, {
      method,
      ...(data === undefined ? {} : { data }),
    });
    if (!response.ok())
      throw new Error(`${method} ${path}: ${response.status()} ${await response.text()}`);
    return response.json();
  };
  return {
    reset: () => call('POST', '/reset'),
    configure: (settings: Record<string, unknown>) => call('PATCH', '/config', settings),
    requests: async (): Promise<LogEntry[]> => (await call('GET', '/requests')).data,
    clearRequests: () => call('DELETE', '/requests'),
    stats: () => call('GET', '/stats'),
    fault: (fault: Record<string, unknown>) => call('POST', '/faults', fault),
    clearFaults: () => call('DELETE', '/faults'),
    revokeUser: (userId: string) => call('POST', `/users/${userId}/revoke`),
    /** Ends the user's login sessions at the tenant (`prompt=none` then answers login_required). */
    signOutUser: (userId: string) => call('POST', `/users/${userId}/sign-out`),
  };
}

/** A PKCE verifier and its S256 challenge (RFC 7636 section 4.2). */
export function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}
