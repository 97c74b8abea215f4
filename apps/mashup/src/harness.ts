// A page for the end-to-end suite only: the same core instance the mashup makes, exposed on
// `window` so Playwright can drive many concurrent calls in many tabs. Not part of the mashup.
import { createQlikAuth, QlikAuthError } from '@qlik-auth/core';
import { config } from './config.js';

const auth = createQlikAuth({ ...config, redirectUri: `${location.origin}/harness.html` });
const transitions: string[] = [];
const status = document.getElementById('status')!;
auth.subscribe(() => {
  const snapshot = auth.getSnapshot();
  const entry = snapshot.error ? `${snapshot.status}:${snapshot.error.code}` : snapshot.status;
  if (transitions[transitions.length - 1] !== entry) transitions.push(entry);
  status.textContent = snapshot.status;
  status.dataset.status = snapshot.status;
});

declare global {
  interface Window {
    harness: {
      auth: typeof auth;
      transitions: string[];
      QlikAuthError: typeof QlikAuthError;
    };
  }
}
window.harness = { auth, transitions, QlikAuthError };

const params = new URL(location.href).searchParams;
if (params.has('code') || params.has('error')) void auth.handleRedirectCallback().catch(() => {});
