import { useEffect, useRef, useState } from 'react';
import { formatTime } from '../clock.js';
import type { OpenedApp } from '../engine.js';
import { codeOf, useErrorLog } from '../errors.js';

type EngineState =
  | { status: 'connecting' }
  | { status: 'open'; app: OpenedApp }
  | { status: 'failed'; error: unknown };

const yesNo = (value: unknown) => (value ? 'yes' : 'no');

/** An app opened over the engine WebSocket with @qlik/api's `qix`, and the layout the engine returns. */
export function EnginePanel({ appId, onClose }: { appId: string; onClose: () => void }) {
  const { report } = useErrorLog();
  const [state, setState] = useState<{ appId: string; value: EngineState }>();
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    panel.current?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, [appId]);
  useEffect(() => {
    let current = true;
    let opened: OpenedApp | undefined;
    // The engine client loads only when an app is opened.
    import('../engine.js')
      .then(({ openApp }) => openApp(appId))
      .then(
        (app) => {
          opened = app;
          if (current) setState({ appId, value: { status: 'open', app } });
          else void app.close();
        },
        (error: unknown) => {
          if (!current) return;
          setState({ appId, value: { status: 'failed', error } });
          report(`engine: open ${appId}`, error);
        },
      );
    return () => {
      current = false;
      void opened?.close();
    };
  }, [appId, report]);
  const value: EngineState = state?.appId === appId ? state.value : { status: 'connecting' };

  return (
    <section
      ref={panel}
      className="card wide engine"
      data-testid="engine-panel"
      data-status={value.status}
    >
      <header className="card-head">
        <h2>Engine</h2>
        <code className="endpoint">qix.openAppSession(&#123; appId &#125;)</code>
        <button
          type="button"
          className="button ghost small"
          onClick={onClose}
          data-testid="close-app"
        >
          Close
        </button>
      </header>
      {value.status === 'open' ? (
        <div className="engine-body">
          <div>
            <p className="eyebrow">GetAppLayout · qTitle</p>
            <p className="engine-title" data-testid="engine-title">
              {value.app.layout.qTitle}
            </p>
            <dl className="facts">
              <dt>App id</dt>
              <dd>
                <code>{value.app.layout.qFileName ?? appId}</code>
              </dd>
              <dt>Last reload</dt>
              <dd>
                {value.app.layout.qLastReloadTime
                  ? `${new Date(value.app.layout.qLastReloadTime).toLocaleDateString()} ${formatTime(Date.parse(value.app.layout.qLastReloadTime))}`
                  : '—'}
              </dd>
              <dt>Script / data</dt>
              <dd>
                {yesNo(value.app.layout.qHasScript)} / {yesNo(value.app.layout.qHasData)}
              </dd>
              <dt>Privileges</dt>
              <dd>
                {(
                  value.app.layout.qMeta as { privileges?: string[] } | undefined
                )?.privileges?.join(', ') ?? '—'}
              </dd>
              <dt>Engine</dt>
              <dd>
                <code data-testid="engine-version">{value.app.engineVersion}</code>
              </dd>
            </dl>
          </div>
          <pre className="code small" data-testid="engine-layout">
            <code>{JSON.stringify(value.app.layout, null, 2)}</code>
          </pre>
        </div>
      ) : value.status === 'failed' ? (
        <p className="inline-error" data-testid="engine-error">
          The engine refused the app: <code>{codeOf(value.error)}</code>{' '}
          {(value.error as Error)?.message}
        </p>
      ) : (
        <p className="muted connecting">
          <span className="spinner" /> Exchanging a websocket token and opening the app…
        </p>
      )}
    </section>
  );
}
