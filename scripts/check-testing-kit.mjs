#!/usr/bin/env node
// The testing guide's examples that Vitest's own run does not cover, and the kit as a user gets it:
//  1. examples/testing under Jest, ES modules and CommonJS;
//  2. examples/testing's Playwright test against the emulator (globalSetup, port 0);
//  3. a scratch app outside the workspace that installs the packed tarballs (`pnpm pack`) of
//     core, react, emulator and testing, and runs the guide's Vitest + Testing Library test and
//     its CommonJS Jest 29 test there.
// Expects built packages (npm test builds them first). Exits non-zero when any part fails.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath } from './chromium.mjs';
import { ensurePnpm, log, root, run } from './lib.mjs';

const pnpm = ensurePnpm();
const examples = join(root, 'examples', 'testing');
const PACKAGES = ['core', 'react', 'emulator', 'testing'];
const failures = [];

// The guide shows the example files themselves: a code block titled with a path under
// examples/testing/ must be that file, to the letter, so the guide runs as the tests do.
log('testing guide: its code blocks are the example files');
const guide = readFileSync(join(root, 'docs', 'testing.md'), 'utf8');
let shown = 0;
for (const [, path, code] of guide.matchAll(
  /^```\w+ \[(examples\/testing\/[^\]]+)\]\n([\s\S]*?)^```$/gm,
)) {
  shown += 1;
  if (readFileSync(join(root, path), 'utf8') !== code) {
    failures.push(`docs/testing.md shows ${path} other than it is`);
  }
}
if (shown < 6) failures.push(`docs/testing.md shows ${shown} example files, expected 6 or more`);

async function part(name, command, args, options = {}) {
  log(name);
  const code = await run(command, args, options);
  if (code !== 0) failures.push(name);
}

await part('testing guide: Jest, ES modules', pnpm, ['run', 'test:jest-esm'], { cwd: examples });
await part('testing guide: Jest, CommonJS', pnpm, ['run', 'test:jest-cjs'], { cwd: examples });
const browser = chromiumPath();
await part('testing guide: Playwright against the emulator', pnpm, ['run', 'test:playwright'], {
  cwd: examples,
  env: { ...process.env, ...(browser ? { CHROMIUM_PATH: browser } : {}) },
});

const scratch = mkdtempSync(join(tmpdir(), 'qlik-auth-testing-kit-'));
try {
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);
  for (const name of PACKAGES) {
    // Already built: skip `prepack`, which would build each package again.
    await part(
      `pack @qlik-auth/${name}`,
      pnpm,
      ['pack', '--config.ignore-scripts=true', '--pack-destination', tarballs],
      { cwd: join(root, 'packages', name) },
    );
  }
  const packed = Object.fromEntries(
    readdirSync(tarballs).map((file) => [
      `@qlik-auth/${file.replace(/^qlik-auth-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`,
      `file:${join(tarballs, file)}`,
    ]),
  );
  const app = join(scratch, 'app');
  mkdirSync(join(app, 'vitest'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'scratch-app',
        private: true,
        type: 'module',
        dependencies: { ...packed, react: '^19.2.0', 'react-dom': '^19.2.0' },
        devDependencies: {
          '@testing-library/dom': '^10.4.2',
          '@testing-library/react': '^16.3.3',
          'happy-dom': '^20.14.6',
          jest: '29.7.0',
          'jest-environment-jsdom': '29.7.0',
          vitest: '4.1.12',
        },
        // The tarballs depend on each other by version; these are those versions.
        pnpm: { overrides: packed },
      },
      null,
      2,
    ),
  );
  // The guide's own files, unchanged: what the guide shows is what a user's app runs.
  cpSync(join(examples, 'vitest', 'profile.test.tsx'), join(app, 'vitest', 'profile.test.tsx'));
  cpSync(join(examples, 'jest-cjs'), join(app, 'jest'), { recursive: true });
  writeFileSync(
    join(app, 'vitest.config.js'),
    "export default { test: { environment: 'happy-dom', include: ['vitest/**/*.test.tsx'] } };\n",
  );
  await part('scratch app: install the tarballs', pnpm, ['install', '--ignore-workspace'], {
    cwd: app,
  });
  await part('scratch app: Vitest + Testing Library', pnpm, ['exec', 'vitest', 'run'], {
    cwd: app,
  });
  await part(
    'scratch app: Jest 29, CommonJS config',
    pnpm,
    ['exec', 'jest', '--config', 'jest/jest.config.cjs'],
    { cwd: app },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`check-testing-kit: failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('check-testing-kit: the guide’s Jest and Playwright examples and the scratch app pass');
