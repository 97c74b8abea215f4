// A page for the end-to-end suite only: the same core instance the mashup makes, exposed on
// `window` so Playwright can drive many concurrent calls in many tabs. Not part of the mashup.
//
// Query parameters configure the instance for a test:
//   autoRefresh=0|1   refresh ahead of expiry in the background (default: the core's, on)
//   leeway=<seconds>  leewaySeconds (default: the core's, 60)
//   client=<id>       the OAuth client, e.g. demo-native (one that gets refresh tokens), and
//   scopes=<a b>      its scopes: both kept for the tab, as on the mashup page (src/config.ts)
//   ending=<seconds>  endingSeconds (default: the core's, 300)
//   renewal=iframe    renewal: iframeRenewal() (silent re-authorization in a hidden frame)
//   reauth=redirect   re-authorize by redirect (auth.reauthorize) when the session ends, with
//   appState=<text>   this appState
import {
  createQlikAuth,
  iframeRenewal,
  QlikAuthError,
  reauthorizeWithPopup,
  sessionEnding,
  type CallbackResult,
  type QlikAuthOptions,
} from '@qlik-auth/core';
import { config } from './config.js';

const params = new URL(location.href).searchParams;
const options: Partial<QlikAuthOptions> = {};
if (params.has('autoRefresh')) {
  options.autoRefresh = !/^(0|false|off|no)$/i.test(params.get('autoRefresh')!);
}
if (params.has('leeway')) options.leewaySeconds = Number(params.get('leeway'));
if (params.has('ending')) options.endingSeconds = Number(params.get('ending'));
if (params.get('renewal') === 'iframe') options.renewal = iframeRenewal({ timeoutSeconds: 5 });

const warnings: string[] = [];
const auth = createQlikAuth({
  ...config,
  redirectUri: `${location.origin}/harness.html`,
  ...options,
  onWarning: (message) => {
    warnings.push(message);
    console.warn(`[qlik-auth] ${message}`);
  },
});

/** Each distinct status, with the error code when there is one: `signedIn`, `signedOut:<code>`. */
const transitions: string[] = [];
/** How many times each background flag of the snapshot went from off to on. */
const seen = { refreshing: 0, offline: 0 };
let last = { refreshing: false, offline: false };
const status = document.getElementById('status')!;

function record(): void {
  const snapshot = auth.getSnapshot();
  const entry = snapshot.error ? `${snapshot.status}:${snapshot.error.code}` : snapshot.status;
  if (transitions[transitions.length - 1] !== entry) transitions.push(entry);
  const now = { refreshing: !!snapshot.refreshing, offline: !!snapshot.offline };
  if (now.refreshing && !last.refreshing) seen.refreshing += 1;
  if (now.offline && !last.offline) seen.offline += 1;
  last = now;
  status.textContent = snapshot.status;
  status.dataset.status = snapshot.status;
  status.dataset.offline = String(now.offline);
}
auth.subscribe(record);
record();

/** How many times the snapshot began to say `ending`. */
let endings = 0;
let wasEnding = false;
auth.subscribe(() => {
  const ending = !!auth.getSnapshot().ending;
  if (ending && !wasEnding) endings += 1;
  wasEnding = ending;
});

// A session that ends is re-authorized by redirect, as an app (or RequireQlikAuth) does.
const ended = ['token_expired', 'session_expired', 'login_required'];
const reauthorized = new WeakSet<object>();
if (params.get('reauth') === 'redirect') {
  auth.subscribe(() => {
    const { status, error } = auth.getSnapshot();
    if (status !== 'signedOut' || !error || !ended.includes(error.code)) return;
    if (reauthorized.has(error)) return;
    reauthorized.add(error);
    void auth.reauthorize({ appState: params.get('appState') ?? undefined }).catch(() => {});
  });
}

// "Stay signed in": a real click opens the popup (a blocker allows only that).
const stay = document.getElementById('stay') as HTMLButtonElement;
/** What the last popup re-authorization ended with: `ok`, or the error's code. */
const popup: { outcome?: string } = {};
stay.onclick = () => {
  popup.outcome = undefined;
  reauthorizeWithPopup(auth).then(
    () => (popup.outcome = 'ok'),
    (error: QlikAuthError) => (popup.outcome = error.code),
  );
};

declare global {
  interface Window {
    harness: {
      auth: typeof auth;
      transitions: string[];
      seen: typeof seen;
      warnings: string[];
      options: typeof options;
      QlikAuthError: typeof QlikAuthError;
      /** `sessionEnding(auth)`: the countdown of a session only the user can renew. */
      ending: ReturnType<typeof sessionEnding>;
      endings: () => number;
      popup: typeof popup;
      /** What `handleRedirectCallback` resolved to on this page, or the error's code. */
      callback?: CallbackResult | { error: string };
    };
  }
}
window.harness = {
  auth,
  transitions,
  seen,
  warnings,
  options,
  QlikAuthError,
  ending: sessionEnding(auth),
  endings: () => endings,
  popup,
};

if (params.has('code') || params.has('error')) {
  auth.handleRedirectCallback().then(
    (result) => {
      window.harness.callback = result;
      // Back to the route the sign-in started from, as an app's router would.
      if (result.returnTo) history.replaceState(null, '', result.returnTo);
    },
    (error: QlikAuthError) => (window.harness.callback = { error: error.code }),
  );
}
