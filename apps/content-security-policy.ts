/**
 * The Content-Security-Policy of the example apps' production builds: only the app's own scripts
 * and styles run (no inline script, no `eval`), and the page talks to its own origin and the
 * Qlik Cloud tenant only. Should script get injected anyway, it cannot send what it finds to
 * another origin by `fetch`, WebSocket, an image or a form.
 *
 * `tenant` is what the app's `host` option says (`tenant.eu.qlikcloud.com`, or an origin);
 * `runtimeFromTenant` is for an app on @qlik/api or qlik-embed, which load scripts from the
 * tenant; `qlikEmbedWebComponents` for a page with `@qlik/embed-web-components`, which adds one
 * inline style element of its own.
 * @returns the directives, and the same without the ones a `<meta>` element cannot carry
 */
export function contentSecurityPolicy(
  tenant: string,
  { runtimeFromTenant = false, qlikEmbedWebComponents = false } = {},
): { header: string; meta: string } {
  const origin = new URL(/^https?:\/\//.test(tenant) ? tenant : `https://${tenant}`).origin;
  const directives = [
    `default-src 'self'`,
    // @qlik/api in a browser imports its runtime modules from the tenant (`/qlik-embed/main.js`):
    // an app that uses it trusts the tenant's scripts too. Still no inline script and no eval.
    `script-src 'self'${runtimeFromTenant ? ` ${origin}` : ''}`,
    // `@qlik/embed-web-components` 1.6.0 adds `<style>qlik-embed-initial-selections {display:
    // none};</style>` to the page (its `app-open-action` and `initial-selections` modules): that
    // one text is allowed by its hash, and no other inline style.
    `style-src 'self'${qlikEmbedWebComponents ? ` '${QLIK_EMBED_WEB_COMPONENTS_STYLE}'` : ''}`,
    // Thumbnails come from the tenant (webresource-token URLs); the favicon is a data: URL.
    `img-src 'self' data: ${origin}`,
    // REST calls and token requests to the tenant; the engine WebSocket (wss:, ws: for http).
    `connect-src 'self' ${origin} ${origin.replace(/^http/, 'ws')}`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
  ];
  const meta = directives.join('; ');
  // Only a header can forbid framing (clickjacking): a <meta> policy ignores frame-ancestors.
  return { header: `${meta}; frame-ancestors 'none'`, meta };
}

/** The hash of the one inline style `@qlik/embed-web-components` 1.6.0 adds (see above). */
const QLIK_EMBED_WEB_COMPONENTS_STYLE = 'sha256-2fs/xg4HRVjFrOTKIk0dpwAqs5ot+W5SQTjmypguWNs=';

/**
 * A Vite plugin that writes the policy into the built `index.html` as a `<meta>` element, so a
 * static host (which serves files and sets no header) still delivers it. Not in development:
 * Vite's dev server injects inline scripts of its own.
 */
export function contentSecurityPolicyMeta(
  tenant: string,
  options?: { runtimeFromTenant?: boolean; qlikEmbedWebComponents?: boolean },
) {
  // Typed by shape (this file is shared by both apps and sees no `vite` of its own).
  return {
    name: 'content-security-policy',
    apply: 'build' as const,
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: {
          'http-equiv': 'Content-Security-Policy',
          content: contentSecurityPolicy(tenant, options).meta,
        },
        injectTo: 'head-prepend' as const,
      },
    ],
  };
}
