/** Where the mashup signs in: the local emulator unless VITE_QLIK_* say otherwise. */
export const config = {
  host: import.meta.env.VITE_QLIK_HOST ?? 'http://localhost:8787',
  clientId: import.meta.env.VITE_QLIK_CLIENT_ID ?? 'demo-spa',
  redirectUri: import.meta.env.VITE_QLIK_REDIRECT_URI ?? `${location.origin}/`,
  scopes: (import.meta.env.VITE_QLIK_SCOPES ?? 'user_default offline_access').split(/\s+/),
};

/** The chart the qlik-embed card shows: the emulator's stock chart unless VITE_QLIK_EMBED_* say otherwise. */
export const embedConfig = {
  appId: import.meta.env.VITE_QLIK_EMBED_APP_ID ?? 'a1b2c3d4-0001-4000-8000-000000000001',
  objectId:
    import.meta.env.VITE_QLIK_EMBED_OBJECT_ID ??
    'a1b2c3d4-0001-4000-8000-000000000001-chart-revenue',
};
