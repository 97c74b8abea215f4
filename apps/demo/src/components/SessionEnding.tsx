import { useQlikAuth, useQlikSessionEnding } from '@qlik-auth/react';
import { useState } from 'react';
import { nativeClient } from '../config.js';

/** `m:ss` for a count of seconds. */
const clock = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * The end of a session only the user can renew: `demo-spa` is a single-page-app client, which
 * Qlik Cloud (and the emulator) never gives a refresh token. From `endingSeconds` before the
 * access token expires, the core says so and counts down; "Stay signed in" renews the session in
 * a popup with `prompt=none` (no page shows while the login session at the tenant lives). Left
 * alone, the session ends and the guard re-authorizes by redirect, back to this page.
 */
export function SessionEndingBanner() {
  const { ending, secondsLeft, renew } = useQlikSessionEnding();
  const [failed, setFailed] = useState<string>();
  if (!ending) return null;
  return (
    <div className="card wide ending-banner" role="status" data-testid="session-ending">
      <p>
        Your session ends in <strong data-testid="seconds-left">{clock(secondsLeft ?? 0)}</strong>.
        This client gets no refresh token, so renewing it takes you, for a moment.
        {failed ? (
          <>
            {' '}
            <code>{failed}</code>
          </>
        ) : null}
      </p>
      <button
        type="button"
        className="button primary"
        data-testid="stay-signed-in"
        onClick={() => {
          setFailed(undefined);
          renew().catch((error: { code?: string }) => setFailed(error.code));
        }}
      >
        Stay signed in
      </button>
    </div>
  );
}

/**
 * How this session renews, and the switch between the emulator's two clients: the single-page
 * app (re-authorization) and the native client (a refresh token, refreshed ahead of expiry).
 */
export function RenewalFacts() {
  const { renewable, expiresAt } = useQlikAuth();
  const at = expiresAt ? new Date(expiresAt).toLocaleTimeString() : '—';
  return (
    <>
      <dt>Renewal</dt>
      <dd data-testid="renewal">
        {renewable
          ? `renews itself before ${at}`
          : `ends at ${at} unless you stay signed in (no refresh token)`}
      </dd>
      <dt>Client</dt>
      <dd className="chips" data-testid="client-switch">
        <a className={`tag${nativeClient ? '' : ' tag-on'}`} href="/?client=demo-spa">
          demo-spa (single-page app)
        </a>
        <a className={`tag${nativeClient ? ' tag-on' : ''}`} href="/?client=demo-native">
          demo-native (refresh token)
        </a>
      </dd>
    </>
  );
}
