import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  target: 'es2022',
  platform: 'browser',
  clean: true,
  sourcemap: true,
  // Peers and the core are the app's own copies, never bundled here.
  external: ['react', 'react/jsx-runtime', '@qlik-auth/core'],
});
