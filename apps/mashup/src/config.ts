/** Where the mashup signs in: the local emulator unless VITE_QLIK_* say otherwise. */
export const config = {
  host: import.meta.env.VITE_QLIK_HOST ?? 'http://localhost:8787',
  clientId: import.meta.env.VITE_QLIK_CLIENT_ID ?? 'demo-spa',
  redirectUri: import.meta.env.VITE_QLIK_REDIRECT_URI ?? `${location.origin}/`,
  scopes: (import.meta.env.VITE_QLIK_SCOPES ?? 'user_default offline_access').split(/\s+/),
};
