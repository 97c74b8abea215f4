import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/qlik-api.ts'],
  format: ['esm'],
  dts: true,
  target: 'es2022',
  platform: 'browser',
  clean: true,
  sourcemap: true,
});
