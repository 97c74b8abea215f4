import type { QlikAuthOptions } from '@qlik-auth/react';

/**
 * The client this tab runs on. `?client=` and `?scopes=` in the page's address choose it for the
 * tab, e.g. `?client=demo-native`, the emulator's native client, which gets refresh tokens where
 * `demo-spa`, a single-page app, never does. The choice is kept in sessionStorage (an OAuth
 * client id, never a token), so the sign-in round trip and reloads keep it; an empty value
 * forgets it.
 */
function chosen(name: 'client' | 'scopes'): string | undefined {
  const key = `qlik-auth-demo:${name}`;
  const given = new URL(location.href).searchParams.get(name);
  try {
    if (given !== null) sessionStorage.setItem(key, given);
    return sessionStorage.getItem(key) || undefined;
  } catch {
    return given || undefined;
  }
}

/** The client of this tab (see `chosen`). */
const clientId = chosen('client') || import.meta.env.VITE_QLIK_CLIENT_ID || 'demo-spa';

/**
 * What the client can be granted: a single-page-app client (`demo-spa`) never gets
 * `offline_access` from Qlik Cloud (or the emulator); the emulator's native client does.
 */
const defaultScopes = clientId === 'demo-native' ? 'user_default offline_access' : 'user_default';

/** Whether this tab runs on the emulator's native client, whose sessions refresh themselves. */
export const nativeClient = clientId === 'demo-native';

/**
 * Where the demo signs in: the local emulator and its `demo-spa` client unless the
 * VITE_QLIK_* variables (an `.env.local` file, or the shell), or `?client=`, say otherwise.
 */
export const config: QlikAuthOptions = {
  host: import.meta.env.VITE_QLIK_HOST || 'http://localhost:8787',
  clientId,
  redirectUri: import.meta.env.VITE_QLIK_REDIRECT_URI || `${location.origin}/callback`,
  scopes: (chosen('scopes') || import.meta.env.VITE_QLIK_SCOPES || defaultScopes)
    .split(/[\s,]+/)
    .filter(Boolean),
};

/**
 * What the qlik-embed card shows: an app and its charts (VITE_QLIK_EMBED_APP_ID and a
 * comma-separated VITE_QLIK_EMBED_OBJECT_IDS on a real tenant; the emulator's stock charts of
 * its first app by default).
 */
export const embedConfig = {
  appId: import.meta.env.VITE_QLIK_EMBED_APP_ID || 'a1b2c3d4-0001-4000-8000-000000000001',
  objectIds: (
    import.meta.env.VITE_QLIK_EMBED_OBJECT_IDS ||
    'a1b2c3d4-0001-4000-8000-000000000001-chart-revenue,a1b2c3d4-0001-4000-8000-000000000001-chart-orders'
  )
    .split(/[\s,]+/)
    .filter(Boolean),
};

/** The tenant as people read it: `localhost:8787`, `tenant.eu.qlikcloud.com`. */
export const tenantLabel = config.host.replace(/^https?:\/\//, '').replace(/\/$/, '');
