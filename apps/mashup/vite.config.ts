import { defineConfig, loadEnv } from 'vite';
import { contentSecurityPolicy, contentSecurityPolicyMeta } from '../content-security-policy.js';

export default defineConfig(({ mode }) => {
  // The tenant the app talks to, as src/config.ts reads it: the policy allows that one only.
  const tenant =
    loadEnv(mode, import.meta.dirname, 'VITE_').VITE_QLIK_HOST || 'http://localhost:8787';
  // The mashup runs qlik-embed's web components, whose runtime comes from the tenant.
  const policy = { runtimeFromTenant: true, qlikEmbedWebComponents: true };
  return {
    plugins: [contentSecurityPolicyMeta(tenant, policy)],
    server: { port: 5174, strictPort: true, host: 'localhost' },
    // `vite preview` serves the build as a static host would, with the policy as a header too.
    preview: {
      port: 4174,
      strictPort: true,
      host: 'localhost',
      headers: { 'Content-Security-Policy': contentSecurityPolicy(tenant, policy).header },
    },
  };
});
