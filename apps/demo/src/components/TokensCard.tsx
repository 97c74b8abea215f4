import { useEffect, useState } from 'react';
import { useQlikAuth, useQlikToken, type TokenPurpose } from '@qlik-auth/react';
import { formatDuration, formatTime, useNow } from '../clock.js';
import { codeOf, useErrorLog } from '../errors.js';

/** The last characters of a token: enough to see it change, never the token. */
const fingerprint = (token: string) => `…${token.slice(-8)}`;

/**
 * How many different tokens this page has seen (each one after the first is a renewal), and
 * when the current one arrived: the start of the lifetime bar. The token is never decoded.
 */
function useRenewals(token: string | undefined): { count: number; last?: number; since?: number } {
  const [seen, setSeen] = useState<{
    token?: string;
    count: number;
    last?: number;
    since?: number;
  }>({ count: 0 });
  useEffect(() => {
    if (!token) return;
    const now = Date.now();
    setSeen((current) =>
      current.token === token
        ? current
        : current.token
          ? { token, count: current.count + 1, last: now, since: now }
          : { token, count: 0, since: now },
    );
  }, [token]);
  return seen;
}

function AccessToken() {
  const { auth } = useQlikAuth();
  const { token, expiresAt, error } = useQlikToken();
  const now = useNow();
  const renewals = useRenewals(token);
  const { report } = useErrorLog();
  const [renewing, setRenewing] = useState(false);
  const left = expiresAt ? expiresAt - now : 0;
  const lifetime = expiresAt && renewals.since ? expiresAt - renewals.since : undefined;
  const share = lifetime ? Math.max(0, Math.min(1, left / lifetime)) : 1;

  async function renew() {
    setRenewing(true);
    try {
      await auth.getToken({ forceRefresh: true });
    } catch (failure) {
      report('getToken({ forceRefresh: true })', failure);
    } finally {
      setRenewing(false);
    }
  }

  return (
    <div className="access">
      <p className="countdown-label">Access token expires in</p>
      <p
        className={`countdown${left > 0 && left < 60_000 ? ' soon' : ''}`}
        data-testid="token-expires-in"
        data-expires-at={expiresAt}
      >
        {token && expiresAt ? formatDuration(left) : error ? codeOf(error) : '…'}
      </p>
      <div className="meter" aria-hidden="true">
        <span style={{ width: `${share * 100}%` }} />
      </div>
      <dl className="facts">
        <dt>Expires at</dt>
        <dd>{expiresAt ? formatTime(expiresAt) : '—'}</dd>
        <dt>Token</dt>
        <dd>
          <code data-testid="token-fingerprint">{token ? fingerprint(token) : '—'}</code>
        </dd>
        <dt>Renewed</dt>
        <dd data-testid="token-renewals" data-count={renewals.count}>
          {renewals.count === 0
            ? 'not yet: it renews itself before it expires'
            : `${renewals.count}× in the background, last at ${formatTime(renewals.last!)}`}
        </dd>
      </dl>
      <button
        type="button"
        className="button ghost small"
        data-testid="renew-token"
        disabled={renewing || !token}
        onClick={() => void renew()}
      >
        {renewing ? 'Renewing…' : 'Renew now'}
      </button>
    </div>
  );
}

function PurposeToken({ purpose, use }: { purpose: TokenPurpose; use: string }) {
  const { token, expiresAt, error } = useQlikToken({ purpose });
  const now = useNow();
  return (
    <li className="purpose" data-testid={`purpose-${purpose}`} data-ready={!!token}>
      <span className={`dot ${token ? 'ok' : error ? 'bad' : 'wait'}`} aria-hidden="true" />
      <span className="purpose-name">{purpose}</span>
      <span className="muted purpose-use">{use}</span>
      <span className="purpose-state">
        {token ? (
          expiresAt ? (
            // The core renews it ahead of expiry while this card reads it.
            `valid for ${formatDuration(expiresAt - now)}`
          ) : (
            'ready'
          )
        ) : error ? (
          <code>{codeOf(error)}</code>
        ) : (
          'exchanging…'
        )}
      </span>
    </li>
  );
}

/** The tokens `useQlikToken` keeps fresh: the access token and the two purpose tokens. */
export function TokensCard() {
  return (
    <section className="card" data-testid="tokens-card">
      <header className="card-head">
        <h2>Tokens</h2>
        <code className="endpoint">useQlikToken()</code>
      </header>
      <AccessToken />
      <h3 className="subhead">Purpose tokens (RFC 8693 exchange)</h3>
      <ul className="purposes">
        <PurposeToken purpose="websocket" use="engine WebSocket" />
        <PurposeToken purpose="webresource" use="thumbnails, images" />
      </ul>
    </section>
  );
}
