/**
 * The client this tab runs on. `?client=` and `?scopes=` in the page's address choose it for the
 * tab, e.g. `?client=demo-native`, the emulator's native client, which gets refresh tokens where
 * `demo-spa`, a single-page app, never does. The choice is kept in sessionStorage (an OAuth
 * client id, never a token), so the sign-in round trip and reloads keep it; an empty value
 * forgets it. The end-to-end suite runs its refresh tests this way.
 */
function chosen(name: 'client' | 'scopes'): string | undefined {
  const key = `qlik-auth-mashup:${name}`;
  const given = new URL(location.href).searchParams.get(name);
  try {
    if (given !== null) sessionStorage.setItem(key, given);
    return sessionStorage.getItem(key) || undefined;
  } catch {
    return given || undefined;
  }
}

/**
 * What the client can be granted: a single-page-app client (`demo-spa`) never gets
 * `offline_access` from Qlik Cloud (or the emulator), the emulator's native client does.
 */
function defaultScopes(): string {
  const client = chosen('client') ?? import.meta.env.VITE_QLIK_CLIENT_ID ?? 'demo-spa';
  return client === 'demo-native' ? 'user_default offline_access' : 'user_default';
}

/** Where the mashup signs in: the local emulator unless VITE_QLIK_* (or `?client=`) say otherwise. */
export const config = {
  host: import.meta.env.VITE_QLIK_HOST ?? 'http://localhost:8787',
  clientId: chosen('client') ?? import.meta.env.VITE_QLIK_CLIENT_ID ?? 'demo-spa',
  redirectUri: import.meta.env.VITE_QLIK_REDIRECT_URI ?? `${location.origin}/callback`,
  scopes: (chosen('scopes') ?? import.meta.env.VITE_QLIK_SCOPES ?? defaultScopes())
    .split(/\s+/)
    .filter(Boolean),
};

/** The chart the qlik-embed card shows: the emulator's stock chart unless VITE_QLIK_EMBED_* say otherwise. */
export const embedConfig = {
  appId: import.meta.env.VITE_QLIK_EMBED_APP_ID ?? 'a1b2c3d4-0001-4000-8000-000000000001',
  objectId:
    import.meta.env.VITE_QLIK_EMBED_OBJECT_ID ??
    'a1b2c3d4-0001-4000-8000-000000000001-chart-revenue',
};
