#!/usr/bin/env node
// The published packages as a user gets them. Each subcommand is one step of `npm test`:
//
//   pack      `pnpm pack` every published package into a temp dir outside the workspace;
//             fail if a tarball keeps a `workspace:` range. Packs what is built (npm test
//             builds first): `prepack`, which builds again, is skipped unless `dist` is missing
//   lint      `publint --strict` and `attw` (profile node16: node16 CJS + ESM, bundler) on
//             every tarball
//   load      a scratch project in the temp dir installs the tarballs with npm (plus the
//             packages' peers); its ES module part imports every entry, its CommonJS part
//             requires every entry, and Jest 30 with no config at all (CommonJS) loads them too;
//             Jest 30 with `testEnvironment: 'jsdom'` and no setup files renders the provider
//   examples  every ts/tsx code block of the READMEs and docs pages, type-checked against the
//             installed tarballs
//   nextjs    fixtures/nextjs (Next.js 15 App Router, QlikAuthProvider in a server page) installs
//             the tarballs, builds and prerenders
//
// Published packages are found, not listed: every `packages/*` whose package.json is not
// private, and every key of its exports map is an entry. Adding a package or a subpath needs no
// change here.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { root } from './lib.mjs';

const work = join(
  tmpdir(),
  `qlik-auth-packages-${createHash('sha256').update(root).digest('hex').slice(0, 10)}`,
);
const tarballs = join(work, 'tarballs');
const scratch = join(work, 'scratch');
const manifestPath = join(tarballs, 'manifest.json');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function sh(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: root, ...options });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`)),
    );
  });
}

function capture(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, ...options });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`)),
    );
  });
}

/** The workspace's publishable packages, dependencies before dependents. */
export function publishedPackages() {
  const found = readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: readJson(join(dir, 'package.json')) }))
    .filter(({ pkg }) => !pkg.private);
  const names = new Set(found.map(({ pkg }) => pkg.name));
  const ordered = [];
  const visit = (entry, seen = new Set()) => {
    if (ordered.includes(entry)) return;
    if (seen.has(entry)) throw new Error(`dependency cycle at ${entry.pkg.name}`);
    seen.add(entry);
    const deps = { ...entry.pkg.dependencies, ...entry.pkg.peerDependencies };
    for (const dep of Object.keys(deps).filter((name) => names.has(name))) {
      visit(
        found.find(({ pkg }) => pkg.name === dep),
        seen,
      );
    }
    ordered.push(entry);
  };
  for (const entry of found) visit(entry);
  return ordered;
}

/** `@scope/name` + every exports key but ./package.json: what a user can import. */
function entryPoints(pkg) {
  const keys = typeof pkg.exports === 'object' ? Object.keys(pkg.exports) : ['.'];
  return keys
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
}

const loadManifest = () => {
  if (!existsSync(manifestPath))
    throw new Error('no tarballs: run `node scripts/packages.mjs pack`');
  return readJson(manifestPath);
};

async function pack() {
  rmSync(tarballs, { recursive: true, force: true });
  mkdirSync(tarballs, { recursive: true });
  const manifest = [];
  for (const { dir, pkg } of publishedPackages()) {
    const built = existsSync(join(dir, 'dist'));
    console.log(`\n# pnpm pack ${pkg.name}${built ? ' (built already: no prepack)' : ''}`);
    await sh(
      'pnpm',
      ['pack', ...(built ? ['--config.ignore-scripts=true'] : []), '--pack-destination', tarballs],
      { cwd: dir },
    );
    const file = readdirSync(tarballs).find(
      (name) => name === `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`,
    );
    if (!file) throw new Error(`pnpm pack left no tarball for ${pkg.name}`);
    const tarball = join(tarballs, file);
    const packed = JSON.parse(await capture('tar', ['-xzOf', tarball, 'package/package.json']));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(packed[field] ?? {})) {
        if (String(range).startsWith('workspace:')) {
          throw new Error(`${file}: ${field}.${name} is still "${range}"`);
        }
      }
    }
    const files = (await capture('tar', ['-tzf', tarball])).split('\n').filter(Boolean);
    for (const required of ['package/README.md', 'package/LICENSE', 'package/CHANGELOG.md']) {
      if (!files.includes(required)) throw new Error(`${file} lacks ${required.slice(8)}`);
    }
    console.log(`${file}: ${files.length} files`);
    manifest.push({
      name: pkg.name,
      dir: relative(root, dir),
      tarball,
      entries: entryPoints(packed),
      peerDependencies: packed.peerDependencies ?? {},
      dependencies: packed.dependencies ?? {},
    });
  }
  writeJson(manifestPath, manifest);
}

async function lint() {
  const failures = [];
  for (const { name, tarball } of loadManifest()) {
    for (const [label, command, args] of [
      ['publint --strict', bin('publint'), ['run', '--strict', tarball]],
      ['attw', bin('attw'), [tarball, '--profile', 'node16', '--format', 'table-flipped']],
    ]) {
      console.log(`\n# ${label} ${name}`);
      try {
        await sh(command, args);
      } catch {
        failures.push(`${label} ${name}`);
      }
    }
  }
  if (failures.length) throw new Error(`failed: ${failures.join(', ')}`);
}

/** Where a workspace package.json pins `name`, so the scratch project installs the same. */
function workspaceRange(name) {
  const manifests = [
    join(root, 'package.json'),
    ...['packages', 'apps'].flatMap((group) =>
      readdirSync(join(root, group)).map((dir) => join(root, group, dir, 'package.json')),
    ),
    join(root, 'bench', 'package.json'),
    join(root, 'e2e', 'package.json'),
    join(root, 'fixtures', 'nextjs', 'package.json'),
  ].filter(existsSync);
  for (const path of manifests) {
    const pkg = readJson(path);
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
      const range = pkg[field]?.[name];
      if (range && !range.startsWith('workspace:')) return range;
    }
  }
  return undefined;
}

/** Proves the scratch dir cannot see the workspace's node_modules (resolution walks up). */
function assertOutsideWorkspace(dir) {
  for (let at = dirname(dir); ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules')) || at === root) {
      throw new Error(`${dir} is not isolated: ${at} has node_modules or is the workspace`);
    }
    if (dirname(at) === at) return;
  }
}

/** Writes package.json deps for the tarballs (+ overrides, so dependents use them too). */
function tarballDependencies(manifest) {
  const dependencies = {};
  const overrides = {};
  for (const { name, tarball } of manifest) {
    dependencies[name] = `file:${tarball}`;
    overrides[name] = `$${name}`;
  }
  return { dependencies, overrides };
}

async function npmInstall(dir) {
  // The tarballs change on every pack: reinstall them, keep the rest of node_modules.
  rmSync(join(dir, 'package-lock.json'), { force: true });
  rmSync(join(dir, 'node_modules', '@qlik-auth'), { recursive: true, force: true });
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
  });
}

/** The scratch project: the tarballs, their peers, Jest, TypeScript and the examples' imports. */
async function installScratch(extraPackages = []) {
  const manifest = loadManifest();
  mkdirSync(scratch, { recursive: true });
  assertOutsideWorkspace(scratch);
  const { dependencies, overrides } = tarballDependencies(manifest);
  const ours = new Set(manifest.map(({ name }) => name));
  for (const { peerDependencies } of manifest) {
    for (const [name, range] of Object.entries(peerDependencies)) {
      if (!ours.has(name)) dependencies[name] = range;
    }
  }
  /** The type packages of what the examples import, where the workspace uses them too. */
  const types = {};
  for (const name of extraPackages) {
    if (ours.has(name) || dependencies[name]) continue;
    const range = workspaceRange(name);
    if (!range) {
      throw new Error(`an example imports ${name}, which no package of the workspace depends on`);
    }
    dependencies[name] = range;
    const typesName = `@types/${name.replace('@', '').replace('/', '__')}`;
    const typesRange = workspaceRange(typesName);
    if (typesRange) types[typesName] = typesRange;
  }
  writeJson(join(scratch, 'package.json'), {
    name: 'qlik-auth-scratch',
    private: true,
    dependencies,
    devDependencies: {
      jest: '^30.2.0',
      'jest-environment-jsdom': '^30.2.0',
      typescript: workspaceRange('typescript'),
      '@types/node': workspaceRange('@types/node'),
      '@types/react': '^19.2.0',
      '@types/react-dom': '^19.2.0',
      ...types,
    },
    overrides,
  });
  await npmInstall(scratch);
  return manifest;
}

async function load() {
  const manifest = await installScratch();
  const entries = manifest.flatMap(({ entries }) => entries);

  const esm = join(scratch, 'esm');
  mkdirSync(esm, { recursive: true });
  writeJson(join(esm, 'package.json'), { name: 'scratch-esm', private: true, type: 'module' });
  writeFileSync(
    join(esm, 'load.js'),
    `const keys = {};
for (const spec of ${JSON.stringify(entries)}) {
  const resolved = import.meta.resolve(spec);
  if (!/\\.m?js$/.test(resolved) || resolved.endsWith('.cjs')) throw new Error(spec + ' resolved to ' + resolved);
  const mod = await import(spec);
  keys[spec] = Object.keys(mod).filter((key) => key !== 'default').sort();
}
console.log(JSON.stringify(keys));
`,
  );

  const cjs = join(scratch, 'cjs');
  mkdirSync(cjs, { recursive: true });
  writeJson(join(cjs, 'package.json'), { name: 'scratch-cjs', private: true, type: 'commonjs' });
  writeFileSync(
    join(cjs, 'load.js'),
    `const keys = {};
for (const spec of ${JSON.stringify(entries)}) {
  const resolved = require.resolve(spec);
  if (!resolved.endsWith('.cjs')) throw new Error(spec + ' resolved to ' + resolved);
  keys[spec] = Object.keys(require(spec)).filter((key) => key !== 'default' && key !== '__esModule').sort();
}
console.log(JSON.stringify(keys));
`,
  );
  // Jest with no configuration: CommonJS, testEnvironment node, node_modules not transformed.
  writeFileSync(
    join(cjs, 'load.test.js'),
    `const entries = ${JSON.stringify(entries)};

const { readFileSync } = require('node:fs');
const peers = ${JSON.stringify(Object.fromEntries(manifest.flatMap(({ entries, peerDependencies }) => entries.map((entry) => [entry, Object.keys(peerDependencies)]))))};

/** Whether Jest itself can require a package (some ship only ES modules somewhere inside). */
function loadsInJest(name) {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

test.each(entries)('require(%j) gives the CommonJS build', (spec) => {
  const file = require.resolve(spec);
  expect(file).toMatch(/\\.cjs$/);
  // An entry for an optional peer (msw, ...) that Jest cannot load by itself: requiring ours
  // must fail on that peer and nothing else. Plain Node (the CommonJS project) loads it all.
  const source = readFileSync(file, 'utf8');
  const blockers = peers[spec].filter(
    (peer) => source.includes('require("' + peer) && !loadsInJest(peer),
  );
  if (blockers.length > 0) {
    expect(() => require(spec)).toThrow(/ES ?Module|import/i);
    console.info(spec + ': needs ' + blockers.join(', ') + ', which Jest cannot require without a transform');
    return;
  }
  expect(Object.keys(require(spec)).length).toBeGreaterThan(0);
});

${
  ours(manifest, '@qlik-auth/emulator') && ours(manifest, '@qlik-auth/core')
    ? `test('an emulator started in a Jest test answers, and the core creates a client for it', async () => {
  const { startEmulator } = require('@qlik-auth/emulator');
  const { createQlikAuth, QlikAuthError } = require('@qlik-auth/core');
  const emulator = await startEmulator({ port: 0 });
  try {
    const response = await fetch(emulator.url + '/.well-known/oauth-authorization-server');
    expect((await response.json()).issuer).toBe(emulator.url);
    const auth = createQlikAuth({
      host: emulator.url,
      clientId: 'demo-spa',
      redirectUri: 'http://localhost:5173/callback',
      storage: 'memory',
    });
    expect(['loading', 'signedOut']).toContain(auth.getSnapshot().status);
    await expect(auth.getToken()).rejects.toBeInstanceOf(QlikAuthError);
    auth.destroy();
  } finally {
    await emulator.close();
  }
});
`
    : ''
}`,
  );

  // Jest's jsdom environment as a new user meets it (Next.js documents the same setup): no setup
  // files, hence no TextEncoder, Web Crypto, fetch or IndexedDB. Loading must not throw there.
  const jsdom = join(scratch, 'jsdom');
  if (ours(manifest, '@qlik-auth/react') && ours(manifest, '@qlik-auth/core')) {
    mkdirSync(jsdom, { recursive: true });
    writeJson(join(jsdom, 'package.json'), {
      name: 'scratch-jsdom',
      private: true,
      type: 'commonjs',
      jest: { testEnvironment: 'jsdom' },
    });
    writeFileSync(
      join(jsdom, 'provider.test.js'),
      `const { act, createElement } = require('react');
const { createRoot } = require('react-dom/client');
const { createQlikAuth, QlikAuthError } = require('@qlik-auth/core');
const { QlikAuthProvider, useQlikAuth } = require('@qlik-auth/react');

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

function Status() {
  return createElement('p', null, useQlikAuth().status);
}

test('the environment is the bare one (else this file proves nothing)', () => {
  expect(typeof TextEncoder === 'undefined' || !globalThis.crypto?.subtle).toBe(true);
});

test('a component under QlikAuthProvider renders, signed out', async () => {
  const warnings = [];
  const auth = createQlikAuth({
    host: 'tenant.eu.qlikcloud.com',
    clientId: 'spa',
    onWarning: (message) => warnings.push(message),
  });
  const root = createRoot(document.body.appendChild(document.createElement('div')));
  await act(async () => root.render(createElement(QlikAuthProvider, { auth }, createElement(Status))));
  await act(() => auth.getToken().catch(() => {}));
  expect(document.body.textContent).toBe('signedOut');
  // No IndexedDB in jsdom: sessions live in memory, and the core says so once.
  expect(warnings).toEqual([expect.stringContaining('using memory only')]);
  act(() => root.unmount());
  auth.destroy();
});

test('signing in rejects with a typed error that names the test environment', async () => {
  const auth = createQlikAuth({ host: 'tenant.eu.qlikcloud.com', clientId: 'spa', onWarning() {} });
  const signIn = auth.signIn();
  await expect(signIn).rejects.toBeInstanceOf(QlikAuthError);
  await expect(signIn).rejects.toMatchObject({
    code: 'unsupported',
    message: expect.stringContaining('@qlik-auth/testing/environment'),
  });
  auth.destroy();
});
`,
    );
  }

  console.log('\n# ES module project: import every entry');
  const fromEsm = JSON.parse(await capture(process.execPath, ['load.js'], { cwd: esm }));
  console.log('\n# CommonJS project: require every entry');
  const fromCjs = JSON.parse(await capture(process.execPath, ['load.js'], { cwd: cjs }));
  for (const spec of entries) {
    const a = JSON.stringify(fromEsm[spec]);
    const b = JSON.stringify(fromCjs[spec]);
    if (!fromEsm[spec]?.length) throw new Error(`import('${spec}') exports nothing`);
    if (a !== b) throw new Error(`${spec}: import gives ${a} but require gives ${b}`);
    console.log(`${spec}: ${fromEsm[spec].length} exports, the same from import and require`);
  }
  console.log('\n# Jest (default CommonJS configuration)');
  await sh(process.execPath, [join(scratch, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], {
    cwd: cjs,
  });
  if (existsSync(jsdom)) {
    console.log("\n# Jest, testEnvironment 'jsdom', no setup files: render the provider");
    await sh(process.execPath, [join(scratch, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], {
      cwd: jsdom,
    });
  }
}

function ours(manifest, name) {
  return manifest.some((entry) => entry.name === name);
}

/** The markdown files whose examples must compile and whose commands must work. */
export function documentationFiles() {
  const files = [join(root, 'README.md')];
  for (const group of ['packages', 'apps', 'fixtures']) {
    if (!existsSync(join(root, group))) continue;
    for (const name of readdirSync(join(root, group))) {
      const readme = join(root, group, name, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  for (const extra of ['CONTRIBUTING.md', 'RELEASING.md']) {
    if (existsSync(join(root, extra))) files.push(join(root, extra));
  }
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith('.') || name === 'node_modules' || path === join(root, 'docs', 'api')) {
        continue;
      }
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  return files;
}

/** Fenced code blocks of a markdown file: `{ lang, code, line }`. */
export function codeBlocks(file) {
  const blocks = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].trimStart().startsWith(fence); j++) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    blocks.push({ lang: lang.toLowerCase(), code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Every name a package exports (its own, not re-exported from elsewhere) is in its README. */
function readmeCoverage() {
  const missing = [];
  for (const { dir, pkg } of publishedPackages()) {
    const readme = existsSync(join(dir, 'README.md'))
      ? readFileSync(join(dir, 'README.md'), 'utf8')
      : '';
    for (const [key, target] of Object.entries(pkg.exports ?? {})) {
      const types = target?.import?.types ?? target?.types;
      if (!types) continue;
      const dts = readFileSync(join(dir, types), 'utf8');
      const names = new Set();
      for (const match of dts.matchAll(/^export\s*\{([^}]*)\}\s*;/gm)) {
        for (const part of match[1].split(',')) {
          const name = part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)
            .pop()
            .trim();
          if (name) names.add(name);
        }
      }
      for (const match of dts.matchAll(
        /^export\s+(?:declare\s+)?(?:function|class|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm,
      )) {
        names.add(match[1]);
      }
      for (const name of names) {
        if (!new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(readme)) {
          missing.push(`${pkg.name}${key === '.' ? '' : key.slice(1)}: ${name}`);
        }
      }
    }
  }
  if (missing.length) {
    throw new Error(`exports missing from the package READMEs:\n  ${missing.join('\n  ')}`);
  }
  console.log('every export of every package is in its README');
}

async function examples() {
  readmeCoverage();
  const found = [];
  for (const file of documentationFiles()) {
    for (const block of codeBlocks(file)) {
      if (['ts', 'tsx', 'typescript'].includes(block.lang)) found.push({ file, ...block });
    }
  }
  const imported = new Set();
  for (const { code } of found) {
    for (const match of code.matchAll(/(?:from|import)\s*\(?\s*['"]([^'".][^'"]*)['"]/g)) {
      const spec = match[1];
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      imported.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  await installScratch([...imported]);
  const dir = join(scratch, 'examples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sources = new Map();
  found.forEach(({ file, lang, code, line }, index) => {
    const source = `${relative(root, file)}:${line}`;
    const slug = relative(root, file).replace(/[^\w]+/g, '-');
    // A block whose first line is `// path/to/file.tsx` is that file, so the blocks of one page
    // can import each other (`./status`); the others get a name of their own.
    const named = /^\/\/ ([\w./-]+\.tsx?)\b/.exec(code);
    const name = named
      ? join(slug, named[1])
      : `${String(index).padStart(3, '0')}-${slug}.${lang === 'tsx' ? 'tsx' : 'ts'}`;
    // A block without import/export would be a script sharing globals with the others.
    const module = /^\s*(import|export)\s/m.test(code) ? '' : '\nexport {};\n';
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), `${code}\n${module}`);
    sources.set(name, source);
  });
  // @qlik/embed-react 2.4.0's declarations import types from @qlik/embed-runtime ^1.5 (a
  // devDependency of Qlik's, not on the registry: 1.2.5 is its latest there, and it brings
  // @qlik/api 1.x, whose globals clash with @qlik/api 2's). An app type-checks them with
  // skipLibCheck, which these examples do not use; so the modules it names are declared here,
  // loosely, to check our code, not Qlik's.
  writeFileSync(
    join(dir, 'qlik-embed-runtime.d.ts'),
    `declare module '@qlik/embed-runtime/auth' {
  export type HostConfig = object;
}
declare module '@qlik/embed-runtime/embed' {
  export type QlikEmbedStandardProps = { appId?: string; objectId?: string; id?: string };
  export type QlikEmbedUIProps<UI> = { ui?: UI } & Record<string, unknown>;
  export type QlikEmbedRefApi<UI> = { ui?: UI };
}
interface QlikEmbedUIs {
  'analytics/chart': object;
  'analytics/sheet': object;
}
`,
  );
  writeJson(join(dir, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      jsx: 'react-jsx',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    },
    include: ['**/*.ts', '**/*.tsx'],
  });
  console.log(
    `type-checking ${found.length} examples from ${new Set(found.map((f) => f.file)).size} files`,
  );
  const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => resolve({ code, out }));
  });
  if (result.code !== 0) {
    // Point at the markdown, not at the generated file.
    for (const line of result.out.split('\n').filter(Boolean)) {
      const at = /^([^(]+)\((\d+),(\d+)\)(.*)$/.exec(line);
      const source = at && sources.get(relative(dir, join(dir, at[1])));
      if (!source) console.error(line);
      else {
        const [file, start] = source.split(':');
        console.error(`${file}:${Number(start) + Number(at[2])}:${at[3]}${at[4]}`);
      }
    }
    throw new Error('examples do not compile');
  }
  console.log('all examples compile');
}

async function nextjs() {
  const manifest = loadManifest();
  const app = join(work, 'nextjs');
  mkdirSync(app, { recursive: true });
  assertOutsideWorkspace(app);
  for (const name of readdirSync(app)) {
    if (name !== 'node_modules') rmSync(join(app, name), { recursive: true, force: true });
  }
  const fixture = join(root, 'fixtures', 'nextjs');
  cpSync(fixture, app, {
    recursive: true,
    filter: (path) => !/[\\/](node_modules|\.next)([\\/]|$)/.test(relative(fixture, path)),
  });
  const pkg = readJson(join(app, 'package.json'));
  const { dependencies, overrides } = tarballDependencies(manifest);
  pkg.dependencies = { ...pkg.dependencies, ...dependencies };
  pkg.overrides = overrides;
  writeJson(join(app, 'package.json'), pkg);
  await npmInstall(app);
  await sh(join(app, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: app,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  const html = join(app, '.next', 'server', 'app', 'index.html');
  if (!existsSync(html)) throw new Error('next build did not prerender / (no index.html)');
  const page = readFileSync(html, 'utf8');
  // The provider's server snapshot: the status component renders `loading` on the server.
  if (!page.includes('data-status="loading"')) {
    throw new Error('the prerendered page lacks the status rendered by the provider');
  }
  console.log(`${relative(app, html)}: prerendered with the provider's loading state`);
}

/**
 * The release procedure up to publishing, on a throwaway copy: a changeset for every published
 * package, `changeset version`, then the bumped versions, CHANGELOG entries and internal ranges
 * are checked, and the copy packed with pnpm keeps no `workspace:` range.
 */
async function release() {
  const copy = join(work, 'release');
  await capture('git', ['worktree', 'remove', '--force', copy]).catch(() => undefined);
  rmSync(copy, { recursive: true, force: true });
  await sh('git', ['worktree', 'add', '--detach', copy, 'HEAD']);
  try {
    // Uncommitted changes to the release configuration count: copy it over the checkout.
    cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
    const packages = publishedPackages();
    const frontmatter = packages.map(({ pkg }) => `'${pkg.name}': minor`).join('\n');
    writeFileSync(
      join(copy, '.changeset', 'release-check.md'),
      `---\n${frontmatter}\n---\n\nRelease check entry.\n`,
    );
    await sh(bin('changeset'), ['version'], { cwd: copy });
    for (const { dir, pkg } of packages) {
      const at = join(copy, relative(root, dir));
      const bumped = readJson(join(at, 'package.json'));
      const [major, minor] = pkg.version.split('.').map(Number);
      const expected = major === 0 ? `0.${minor + 1}.0` : `${major}.${minor + 1}.0`;
      if (bumped.version !== expected) {
        throw new Error(`${pkg.name}: changeset version gave ${bumped.version}, not ${expected}`);
      }
      const changelog = readFileSync(join(at, 'CHANGELOG.md'), 'utf8');
      if (!changelog.includes(`## ${expected}`) || !changelog.includes('Release check entry.')) {
        throw new Error(`${pkg.name}: CHANGELOG.md has no ${expected} entry`);
      }
      console.log(`${pkg.name}: ${pkg.version} -> ${bumped.version}, CHANGELOG entry written`);
    }
  } finally {
    await capture('git', ['worktree', 'remove', '--force', copy]).catch(() => undefined);
    rmSync(copy, { recursive: true, force: true });
  }
}

const commands = { pack, lint, load, examples, nextjs, release };
const name = process.argv[2];
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!commands[name]) {
    console.error(`usage: node scripts/packages.mjs <${Object.keys(commands).join('|')}>`);
    process.exit(2);
  }
  try {
    await commands[name]();
  } catch (error) {
    console.error(`packages ${name}: ${error.message}`);
    process.exit(1);
  }
}
