/**
 * `@qlik-auth/react/qlik-embed`: the qlik-embed host config of the provider's instance, for
 * `<QlikEmbedConfig.Provider>` of `@qlik/embed-react`. A separate entry point, like the core's
 * `@qlik-auth/core/qlik-embed`: an app without qlik-embed bundles none of it.
 *
 * @example
 * import { useQlikEmbedHostConfig } from '@qlik-auth/react/qlik-embed';
 * import { QlikEmbed, QlikEmbedConfig } from '@qlik/embed-react';
 *
 * function Chart() {
 *   const hostConfig = useQlikEmbedHostConfig();
 *   return (
 *     <QlikEmbedConfig.Provider value={hostConfig}>
 *       <QlikEmbed ui="analytics/chart" appId="..." objectId="..." />
 *     </QlikEmbedConfig.Provider>
 *   );
 * }
 * @packageDocumentation
 */
export { useQlikEmbedHostConfig } from './use-qlik-embed-host-config.js';
// The core's function too, as the main entry re-exports the core: one import for a React app.
export { qlikEmbedHostConfig } from '@qlik-auth/core/qlik-embed';
export type { QlikEmbedHostConfigHookOptions } from './use-qlik-embed-host-config.js';
export type { QlikEmbedHostConfig, QlikEmbedHostConfigOptions } from '@qlik-auth/core/qlik-embed';
