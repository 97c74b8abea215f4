import { useQlikAuth } from '@qlik-auth/react';
import { tenantLabel } from '../config.js';

const FEATURES = [
  [
    'Authorization code + PKCE',
    'S256 challenge, single-use state, the code out of the address bar before it is exchanged.',
  ],
  [
    'Tokens that stay fresh',
    'Refresh ahead of expiry, one refresh across all tabs, backoff through flaky networks.',
  ],
  [
    'Purpose tokens',
    'Websocket and web-resource tokens for the engine and thumbnails, cached and renewed.',
  ],
  [
    'Typed errors',
    'Every failure is a QlikAuthError with a stable code, a retryable flag and the tenant’s errors[].',
  ],
  [
    'Sealed sessions',
    'Encrypted in IndexedDB with a non-extractable key. Nothing in localStorage or cookies.',
  ],
  [
    'One hook',
    'useQlikAuth and useQlikToken over useSyncExternalStore. StrictMode, Suspense and SSR safe.',
  ],
] as const;

const SNIPPET = `const auth = createQlikAuth({ host: '${tenantLabel}', clientId: '…' });

<QlikAuthProvider auth={auth}>
  <RequireQlikAuth fallback={<Spinner />}>
    <Dashboard />
  </RequireQlikAuth>
</QlikAuthProvider>

function Dashboard() {
  const { user } = useQlikAuth();
  const { token } = useQlikToken({ purpose: 'websocket' });
  …
}`;

export function Landing() {
  const { signIn, status } = useQlikAuth();
  return (
    <section className="hero" data-testid="landing">
      <div className="hero-copy">
        <p className="eyebrow">Qlik Cloud OAuth for single-page apps</p>
        <h1>
          Sign in to Qlik Cloud. <span className="accent">Never think about tokens again.</span>
        </h1>
        <p className="lead">
          A browser client for Qlik Cloud tenants: the redirect, refresh, tabs and engine tokens,
          behind one React hook. This demo runs against <strong>{tenantLabel}</strong>.
        </p>
        <div className="hero-actions">
          <button
            type="button"
            className="button primary large"
            data-testid="sign-in"
            disabled={status === 'loading'}
            onClick={() => void signIn().catch(() => undefined)}
          >
            Sign in with Qlik Cloud
          </button>
          <button
            type="button"
            className="button ghost large"
            data-testid="sign-in-popup"
            disabled={status === 'loading'}
            // A popup keeps the page where it is (the way to sign in inside someone else's page).
            onClick={() => void signIn({ popup: true }).catch(() => undefined)}
          >
            Sign in in a popup
          </button>
          <a className="button ghost large" href="#features">
            What you get
          </a>
        </div>
      </div>
      <pre className="code" aria-label="Usage">
        <code>{SNIPPET}</code>
      </pre>
      <ul className="features" id="features">
        {FEATURES.map(([title, text]) => (
          <li key={title}>
            <h3>{title}</h3>
            <p>{text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
