import { useQlikAuth } from '@qlik-auth/react';
import { tenantLabel } from '../config.js';
import { go } from '../route.js';

const STATUS_LABEL = {
  loading: 'Checking session',
  signedOut: 'Signed out',
  signedIn: 'Signed in',
};

export function Header() {
  const { status, user, signIn, signOut } = useQlikAuth();
  return (
    <header className="topbar">
      <a className="brand" href="/" onClick={(e) => (e.preventDefault(), go('/'))}>
        <span className="brand-mark" aria-hidden="true">
          Q
        </span>
        <span>
          qlik-auth <span className="brand-sub">React demo</span>
        </span>
      </a>
      <div className="topbar-right">
        <span className="chip" data-testid="tenant-host" title="Tenant">
          <span className="chip-dot" aria-hidden="true" />
          {tenantLabel}
        </span>
        <span className={`pill pill-${status}`} data-testid="auth-status" data-status={status}>
          {STATUS_LABEL[status]}
        </span>
        {status === 'signedIn' ? (
          <button
            type="button"
            className="button ghost"
            data-testid="sign-out"
            title={user?.subject}
            onClick={() => {
              // Leave the guarded app route first, or the guard would sign straight back in.
              go('/');
              void signOut();
            }}
          >
            Sign out
          </button>
        ) : (
          <button
            type="button"
            className="button primary small"
            data-testid="sign-in-header"
            disabled={status === 'loading'}
            onClick={() => void signIn().catch(() => undefined)}
          >
            Sign in
          </button>
        )}
      </div>
    </header>
  );
}
