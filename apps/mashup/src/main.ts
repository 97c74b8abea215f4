// The mashup a developer would write with the core alone: no framework, one module.
import { createQlikAuth, QlikAuthError, signInWithPopup, type AuthState } from '@qlik-auth/core';
import { createAppList } from './apps.js';
import { config } from './config.js';
import { showQlikEmbed } from './qlik-embed.js';

const auth = createQlikAuth(config);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Shows `error` (or hides the box). `session`: it came from the snapshot, which may clear it. */
function showError(error: unknown, source: 'app' | 'session' = 'app'): void {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    return;
  }
  box.dataset.source = source;
  const code = error instanceof QlikAuthError ? error.code : 'unexpected';
  $('error-code').textContent = code;
  box.dataset.code = code;
  const details =
    error instanceof QlikAuthError
      ? [error.error, error.errorCode, error.status && `HTTP ${error.status}`].filter(Boolean)
      : [];
  const message = error instanceof Error ? error.message : String(error);
  $('error-message').textContent = details.length ? `${message} (${details.join(', ')})` : message;
  box.hidden = false;
}

const apps = createAppList(
  auth,
  { card: $('apps-card'), list: $('apps'), status: $('apps-status') },
  (error) => showError(error),
);

let user: { name: string; email: string } | undefined;
let loadingUser = false;

async function loadUser(): Promise<void> {
  if (loadingUser || user) return;
  loadingUser = true;
  try {
    const response = await auth.fetch('/api/v1/users/me');
    if (!response.ok) throw new Error(`users/me answered ${response.status}`);
    user = (await response.json()) as { name: string; email: string };
    render(auth.getSnapshot());
  } catch (error) {
    showError(error);
  } finally {
    loadingUser = false;
  }
}

function render(state: AuthState): void {
  const status = $('status');
  status.textContent = state.status;
  status.dataset.status = state.status;
  $('sign-in').hidden = state.status !== 'signedOut';
  $('sign-in-popup').hidden = state.status !== 'signedOut';
  $('sign-out').hidden = state.status !== 'signedIn';
  $('expires').hidden = state.status !== 'signedIn' || !state.expiresAt;
  if (state.expiresAt) {
    const at = new Date(state.expiresAt);
    $('expires-at').textContent = at.toLocaleTimeString();
    $('expires-at').setAttribute('datetime', at.toISOString());
    tick();
  }
  // The session in the background: a refresh under way, or waiting for the network.
  const network = $('network');
  network.hidden = state.status !== 'signedIn' || !(state.offline || state.refreshing);
  network.dataset.network = state.offline ? 'offline' : state.refreshing ? 'refreshing' : 'online';
  network.textContent = state.offline
    ? 'offline: waiting for the network'
    : state.refreshing
      ? 'refreshing'
      : '';
  $('embed-card').hidden = state.status !== 'signedIn';
  if (state.status === 'signedIn') {
    void loadUser();
    void apps.load();
  } else {
    user = undefined;
    apps.clear();
  }
  $('user-card').hidden = !user;
  $('user-name').textContent = user?.name ?? '';
  $('user-email').textContent = user?.email ?? '';
  // A refresh that failed and then succeeded clears the snapshot's error, and the box with it.
  if (state.error) showError(state.error, 'session');
  else if ($('error').dataset.source === 'session') showError(undefined);
}

function tick(): void {
  const expiresAt = auth.getSnapshot().expiresAt;
  if (expiresAt) {
    const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    $('expires-in').textContent = `in ${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
}

$('sign-in').addEventListener('click', () => {
  showError(undefined);
  auth.signIn({ returnTo: location.pathname }).catch(showError);
});
// A popup keeps this page where it is: the way to sign in when the mashup is embedded in another
// site's page (an iframe), where leaving for the login page is not possible. Opened right in the
// click handler, so the browser allows it.
$('sign-in-popup').addEventListener('click', () => {
  showError(undefined);
  signInWithPopup(auth).catch(showError);
});
// On demand: the chart opens an engine socket of its own.
$('embed-show').addEventListener('click', () => {
  $('embed-show').hidden = true;
  showQlikEmbed(auth, $('embed'));
});
$('sign-out').addEventListener('click', () => {
  showError(undefined);
  auth.signOut().catch(showError);
});

auth.subscribe(() => render(auth.getSnapshot()));
render(auth.getSnapshot());
setInterval(tick, 1000);
tick();

// The callback page (`/callback`, the registered redirect URI, is this page too). In the popup of
// a popup sign-in, handleRedirectCallback hands the response to the page that opened it (which
// signs in) and closes the popup. Otherwise back to where the sign-in started: this page at its
// own address, or another page of the site, loaded.
const params = new URL(location.href).searchParams;
if (params.has('code') || params.has('error')) {
  auth
    .handleRedirectCallback()
    .then(({ returnTo }) => {
      if (!returnTo) return;
      if (/^\/(index\.html)?$/.test(new URL(returnTo, location.href).pathname)) {
        history.replaceState(null, '', returnTo);
      } else {
        location.replace(returnTo);
      }
    })
    .catch(showError);
}
