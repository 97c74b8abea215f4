import { useEffect, useState } from 'react';
import { useQlikAuth, useQlikToken } from '@qlik-auth/react';
import { codeOf, useErrorLog } from '../errors.js';
import { items as itemsApi } from '@qlik/api';
import { thumbnailOf, useTenantData, type AppItem } from '../tenant.js';

/**
 * A thumbnail loaded through `auth.webResourceUrl()`: the tenant URL plus a webresource-purpose
 * token, so a plain <img> can load it. A renewed webresource token gives a new URL.
 */
function Thumbnail({ item }: { item: AppItem }) {
  const { auth } = useQlikAuth();
  const { token } = useQlikToken({ purpose: 'webresource' });
  const { report } = useErrorLog();
  const [src, setSrc] = useState<{ url?: string; error?: unknown }>({});
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    const thumbnail = thumbnailOf(item);
    if (!thumbnail) return;
    let current = true;
    auth.webResourceUrl(thumbnail).then(
      (url) => current && setSrc({ url }),
      (error: unknown) => {
        if (!current) return;
        setSrc({ error });
        report(`webResourceUrl(${item.name} thumbnail)`, error);
      },
    );
    return () => {
      current = false;
    };
    // A new webresource token means a new URL.
  }, [auth, item, token, report]);
  if (src.url) {
    return (
      <img
        className={`thumb${loaded ? ' loaded' : ''}`}
        src={src.url}
        alt={`${item.name} thumbnail`}
        data-testid="app-thumbnail"
        data-loaded={loaded}
        onLoad={() => setLoaded(true)}
      />
    );
  }
  return (
    <div className="thumb placeholder" data-testid="app-thumbnail-missing">
      {src.error ? <code>{codeOf(src.error)}</code> : <span className="spinner" />}
    </div>
  );
}

/** The tenant's apps, from @qlik/api's `items.getItems({ resourceType: 'app' })`, each with its thumbnail. */
export function AppsCard({
  openAppId,
  onOpen,
}: {
  openAppId: string | null;
  onOpen: (id: string) => void;
}) {
  const items = useTenantData(
    "items.getItems({ resourceType: 'app' })",
    async () => (await itemsApi.getItems({ resourceType: 'app' })).data,
  );
  return (
    <section className="card wide" data-testid="apps-card">
      <header className="card-head">
        <h2>Apps</h2>
        <code className="endpoint">items.getItems(&#123; resourceType: 'app' &#125;)</code>
      </header>
      {items.state === 'ready' ? (
        items.data.data.length ? (
          <ul className="apps" data-testid="apps-list">
            {items.data.data.map((item) => (
              <li
                key={item.id}
                className={`app${item.resourceId === openAppId ? ' selected' : ''}`}
                data-testid="app-card"
                data-app-id={item.resourceId}
              >
                <Thumbnail item={item} />
                <div className="app-body">
                  <h3 data-testid="app-name">{item.name}</h3>
                  <p className="muted mono">{item.resourceId}</p>
                  <button
                    type="button"
                    className="button primary small"
                    data-testid="open-app"
                    onClick={() => item.resourceId && onOpen(item.resourceId)}
                  >
                    {item.resourceId === openAppId ? 'Opened' : 'Open in the engine'}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">This tenant has no apps yet.</p>
        )
      ) : items.state === 'failed' ? (
        <p className="inline-error">
          Could not list the apps: <code>{codeOf(items.error)}</code>
        </p>
      ) : (
        <ul className="apps" aria-busy="true">
          {[0, 1, 2].map((i) => (
            <li key={i} className="app skeleton">
              <div className="thumb placeholder" />
              <div className="app-body">
                <p className="bar" />
                <p className="bar short" />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
