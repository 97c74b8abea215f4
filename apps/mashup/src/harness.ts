// A page for the end-to-end suite only: the same core instance the mashup makes, exposed on
// `window` so Playwright can drive many concurrent calls in many tabs. Not part of the mashup.
//
// Query parameters configure the instance for a test:
//   autoRefresh=0|1   refresh ahead of expiry in the background (default: the core's, on)
//   leeway=<seconds>  leewaySeconds (default: the core's, 60)
//   client=<id>       the OAuth client, e.g. demo-native (one that gets refresh tokens), and
//   scopes=<a b>      its scopes: both kept for the tab, as on the mashup page (src/config.ts)
import { createQlikAuth, QlikAuthError, type QlikAuthOptions } from '@qlik-auth/core';
import { config } from './config.js';

const params = new URL(location.href).searchParams;
const options: Partial<QlikAuthOptions> = {};
if (params.has('autoRefresh')) {
  options.autoRefresh = !/^(0|false|off|no)$/i.test(params.get('autoRefresh')!);
}
if (params.has('leeway')) options.leewaySeconds = Number(params.get('leeway'));

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

declare global {
  interface Window {
    harness: {
      auth: typeof auth;
      transitions: string[];
      seen: typeof seen;
      warnings: string[];
      options: typeof options;
      QlikAuthError: typeof QlikAuthError;
    };
  }
}
window.harness = { auth, transitions, seen, warnings, options, QlikAuthError };

if (params.has('code') || params.has('error')) void auth.handleRedirectCallback().catch(() => {});
