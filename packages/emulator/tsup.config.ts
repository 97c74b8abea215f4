import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/msw.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/msw.ts'] },
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
});
