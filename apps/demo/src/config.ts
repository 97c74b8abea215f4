import type { QlikAuthOptions } from '@qlik-auth/react';

/**
 * Where the demo signs in: the local emulator and its `demo-spa` client unless the
 * VITE_QLIK_* variables (an `.env.local` file, or the shell) say otherwise.
 */
export const config: QlikAuthOptions = {
  host: import.meta.env.VITE_QLIK_HOST || 'http://localhost:8787',
  clientId: import.meta.env.VITE_QLIK_CLIENT_ID || 'demo-spa',
  redirectUri: import.meta.env.VITE_QLIK_REDIRECT_URI || `${location.origin}/`,
  scopes: (import.meta.env.VITE_QLIK_SCOPES || 'user_default offline_access')
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
