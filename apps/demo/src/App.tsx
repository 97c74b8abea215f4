import { RequireQlikAuth, useQlikAuth } from '@qlik-auth/react';
import { AppsCard } from './components/AppsCard.js';
import { EnginePanel } from './components/EnginePanel.js';
import { ErrorsPanel } from './components/ErrorsPanel.js';
import { Header } from './components/Header.js';
import { Landing } from './components/Landing.js';
import { QlikEmbedCard } from './components/QlikEmbedCard.js';
import { SessionCard } from './components/SessionCard.js';
import { SessionEndingBanner } from './components/SessionEnding.js';
import { TokensCard } from './components/TokensCard.js';
import { go, useAppRoute } from './route.js';

function Loading({ label }: { label: string }) {
  return (
    <div className="loading" data-testid="loading">
      <span className="spinner" /> {label}
    </div>
  );
}

function Dashboard({ appId }: { appId: string | null }) {
  return (
    <div className="grid" data-testid="dashboard">
      <SessionEndingBanner />
      <SessionCard />
      <TokensCard />
      <AppsCard openAppId={appId} onOpen={(id) => go(`/?app=${encodeURIComponent(id)}`)} />
      <QlikEmbedCard />
      {appId ? <EnginePanel appId={appId} onClose={() => go('/')} /> : null}
    </div>
  );
}

/** Why a session ended that a re-authorization can renew (RequireQlikAuth renews these). */
const ENDED = ['token_expired', 'session_expired', 'login_required'];

export function App() {
  const { status, error } = useQlikAuth();
  const appId = useAppRoute();
  // A session that ended stays under the guard, which re-authorizes it back to this page.
  const ended = status === 'signedOut' && !!error && ENDED.includes(error.code);
  return (
    <>
      <Header />
      <main>
        {appId || ended || status === 'signedIn' ? (
          // Signed in, or a link straight to an app (`?app=<id>`): the guard signs in first
          // (once, never in a loop) and comes back here. One place in the tree for the
          // dashboard, so opening an app does not remount it.
          <RequireQlikAuth
            fallback={<Loading label="Signing in to open the app…" />}
            signInOptions={appId ? { returnTo: `/?app=${encodeURIComponent(appId)}` } : undefined}
            onError={(error, retry) => (
              <div className="card wide guard-error" data-testid="guard-error">
                <h2>Could not sign you in</h2>
                <p>
                  <code>{error.code}</code> {error.message}
                </p>
                <div className="hero-actions">
                  <button type="button" className="button primary" onClick={retry}>
                    Try again
                  </button>
                  <button type="button" className="button ghost" onClick={() => go('/')}>
                    Back to the start
                  </button>
                </div>
              </div>
            )}
          >
            <Dashboard appId={appId} />
          </RequireQlikAuth>
        ) : status === 'loading' ? (
          <Loading label="Checking your session…" />
        ) : (
          <Landing />
        )}
        <ErrorsPanel />
      </main>
      <footer className="footer">
        <span>
          Built with <code>@qlik-auth/react</code>, <code>@qlik/api</code>,{' '}
          <code>@qlik/embed-react</code> and Vite.
        </span>
        <span className="muted">
          No token is ever stored in localStorage, sessionStorage or cookies.
        </span>
      </footer>
    </>
  );
}
