// qlik-embed's web components on the mashup's session: `qlikEmbedHostConfig` publishes the
// instance's auth module under its `authType`, and the element names it with `auth-type`.
import '@qlik/embed-web-components';
import type { QlikAuth } from '@qlik-auth/core';
import { qlikEmbedHostConfig } from '@qlik-auth/core/qlik-embed';
import { embedConfig } from './config.js';

/** Puts one `<qlik-embed ui="analytics/chart">` into `container`, once. */
export function showQlikEmbed(auth: QlikAuth, container: HTMLElement): void {
  if (container.querySelector('qlik-embed')) return;
  const { host, authType } = qlikEmbedHostConfig(auth);
  const chart = document.createElement('qlik-embed');
  // The host config as attributes of the element itself (a bundled page has no script tag to
  // carry `data-host` and `data-auth-type`).
  chart.setAttribute('host', host);
  chart.setAttribute('auth-type', authType);
  chart.setAttribute('ui', 'analytics/chart');
  chart.setAttribute('app-id', embedConfig.appId);
  chart.setAttribute('object-id', embedConfig.objectId);
  container.append(chart);
}
