import { useState } from 'react';
import { useQlikEmbedHostConfig } from '@qlik-auth/react/qlik-embed';
import { QlikEmbed, QlikEmbedConfig } from '@qlik/embed-react';
import { embedConfig } from '../config.js';

/**
 * A chart of Qlik's own `@qlik/embed-react` on the demo's session: the host config of the
 * provider's instance hands qlik-embed every token (Bearer, websocket-purpose), renews once after
 * a 401 and sends nothing after sign-out. On the emulator the chart is its stand-in (a titled
 * table); on a Qlik Cloud tenant it is Qlik's real visual.
 */
export function QlikEmbedCard() {
  const hostConfig = useQlikEmbedHostConfig();
  const [objectId, setObjectId] = useState(embedConfig.objectIds[0]!);
  return (
    <section className="card wide" data-testid="qlik-embed-card">
      <header className="card-head">
        <h2>qlik-embed</h2>
        <code className="endpoint">&lt;QlikEmbed ui="analytics/chart" /&gt;</code>
        {embedConfig.objectIds.length > 1 ? (
          <select
            aria-label="Chart"
            value={objectId}
            onChange={(event) => setObjectId(event.target.value)}
            data-testid="qlik-embed-object"
          >
            {embedConfig.objectIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        ) : null}
      </header>
      <QlikEmbedConfig.Provider value={hostConfig}>
        <QlikEmbed ui="analytics/chart" appId={embedConfig.appId} objectId={objectId} />
      </QlikEmbedConfig.Provider>
      <p className="muted">
        <code>useQlikEmbedHostConfig()</code> from <code>@qlik-auth/react/qlik-embed</code>. On the
        local emulator the chart is a stand-in drawn from its emulated engine; the real visuals come
        from a Qlik Cloud tenant.
      </p>
    </section>
  );
}
