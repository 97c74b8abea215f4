import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  RUNTIME_MODULES_PATH,
  createQlikEmbed,
  parseRuntimeModules,
} from '../src/qlik-embed/runtime.js';
import { STAND_IN_NOTE } from '../src/qlik-embed/ui.js';

const ORIGIN = 'http://localhost:8787';
const qlikApiRoot = dirname(createRequire(import.meta.url).resolve('@qlik/api'));

/** The installed @qlik/api's runtime module table, as @qlik/api ships it. */
async function installedTable(): Promise<string> {
  const chunks = join(qlikApiRoot, 'chunks');
  const file = (await readdir(chunks)).find((name) => name.startsWith('public-runtime-modules-'));
  return readFile(join(chunks, file!), 'utf8');
}

interface QlikMain {
  import(name: string): Promise<unknown>;
  getRootUrl(): string;
  resourceNeedsCredentials(url: string): boolean;
  PRODUCT_INFO: { composition: { deploymentType: string } };
  INTERNAL__DO_NOT_USE: object;
}

/** Runs main.js the way a page does, in a context whose `window` it may write to. */
function runMain(script: string): QlikMain {
  const window: { QlikMain?: QlikMain } = {};
  runInNewContext(script, { window });
  return window.QlikMain!;
}

describe('parseRuntimeModules', () => {
  it('reads the module table of the installed @qlik/api: the file and export Node imports', async () => {
    const modules = parseRuntimeModules(await installedTable());
    expect(modules.map((module) => module.name).sort()).toEqual([
      'auth@v1',
      'invoke-fetch@v1',
      'qix@v1',
    ]);
    const qix = modules.find((module) => module.name === 'qix@v1')!;
    expect(qix.exportName).toBe('t');
    for (const module of modules) {
      await expect(readFile(join(qlikApiRoot, 'chunks', module.file), 'utf8')).resolves.toMatch(
        /export/,
      );
    }
  });

  it('finds nothing in text that is not such a table', () => {
    expect(parseRuntimeModules('export const x = import("./a.js");')).toEqual([]);
  });
});

describe('/qlik-embed/main.js', () => {
  const embed = createQlikEmbed();

  it('defines window.QlikMain with what @qlik/api calls on it', async () => {
    const main = await embed.serve('/qlik-embed/main.js', ORIGIN);
    expect(main).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8' });
    const qlikMain = runMain(main!.body);
    expect(typeof qlikMain.import).toBe('function');
    expect(qlikMain.getRootUrl()).toBe(`${ORIGIN}/`);
    expect(qlikMain.resourceNeedsCredentials(`${ORIGIN}/x`)).toBe(false);
    expect(qlikMain.INTERNAL__DO_NOT_USE).toEqual({});
    // Anything but the client-managed deployment types reads as Qlik Cloud to @qlik/api.
    expect(qlikMain.PRODUCT_INFO.composition.deploymentType).toBe('QlikCloud');
  });

  it('does not replace a QlikMain the page already has', async () => {
    const main = await embed.serve('/qlik-embed/main.js', ORIGIN);
    const existing = { import: () => Promise.resolve('mine') };
    const window = { QlikMain: existing };
    runInNewContext(main!.body, { window });
    expect(window.QlikMain).toBe(existing);
  });

  it('rejects a runtime module it does not serve instead of leaving the caller waiting', async () => {
    const qlikMain = runMain((await embed.serve('/qlik-embed/main.js', ORIGIN))!.body);
    await expect(qlikMain.import('nebula@v1')).rejects.toThrow(/does not serve.*nebula@v1/);
  });

  it('serves every module main.js names as ES modules that load with all their chunks', async () => {
    const main = (await embed.serve('/qlik-embed/main.js', ORIGIN))!.body;
    const urls = [...main.matchAll(/"url":"([^"]+)"/g)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    // Write what the emulator serves to a directory and import it: every relative chunk must be
    // served too, and nothing may import a package by bare name (a browser could not resolve it).
    const dir = await mkdtemp(join(tmpdir(), 'qlik-embed-'));
    const pending = urls.map((url) => new URL(url).pathname);
    const written = new Set<string>();
    while (pending.length > 0) {
      const path = pending.shift()!;
      if (written.has(path)) continue;
      written.add(path);
      expect(path.startsWith(RUNTIME_MODULES_PATH), path).toBe(true);
      const file = await embed.serve(path, ORIGIN);
      expect(file?.status, path).toBe(200);
      await writeFile(join(dir, path.slice(RUNTIME_MODULES_PATH.length)), file!.body);
      for (const match of file!.body.matchAll(/from\s*"(\.\/[\w.-]+\.js)"/g)) {
        pending.push(new URL(match[1]!, `${ORIGIN}${path}`).pathname);
      }
    }
    const load = (url: string) => import(pathToFileURL(join(dir, url.split('/').pop()!)).href);
    const modules = Object.fromEntries(
      [...main.matchAll(/"([\w-]+@v\d+)":\{"url":"([^"]+)"(?:,"exportName":"(\w+)")?/g)].map(
        (match) => [match[1]!, { url: match[2]!, exportName: match[3] }],
      ),
    );
    const auth = await load(modules['auth@v1']!.url);
    const invokeFetch = await load(modules['invoke-fetch@v1']!.url);
    const qixModule = await load(modules['qix@v1']!.url);
    expect(typeof auth.registerAuthModule).toBe('function');
    expect(typeof invokeFetch.invokeFetch).toBe('function');
    expect(typeof qixModule[modules['qix@v1']!.exportName!].openAppSession).toBe('function');

    // One copy of @qlik/api's state: an auth module registered through auth@v1 is the one
    // invoke-fetch@v1 asks for credentials.
    const asked: string[] = [];
    auth.registerAuthModule('probe', {
      getRestCallAuthParams: async () => {
        asked.push('rest');
        return { headers: {}, queryParams: {}, credentials: 'omit' };
      },
      getWebSocketAuthParams: async () => ({ queryParams: {} }),
      handleAuthenticationError: async () => ({ retry: false }),
    });
    await invokeFetch
      .invokeFetch('probe-api', {
        method: 'get',
        pathTemplate: '/api/v1/users/me',
        options: { hostConfig: { authType: 'probe', host: 'http://127.0.0.1:9' } },
      })
      .catch(() => undefined);
    expect(asked).toContain('rest');
  });

  it('serves qlik-embed’s UI module embed-vanilla@v1 as a stand-in that says so', async () => {
    const main = (await embed.serve('/qlik-embed/main.js', ORIGIN))!.body;
    const url = /"embed-vanilla@v1":\{"url":"([^"]+)"/.exec(main)?.[1];
    expect(url).toBe(`${ORIGIN}${RUNTIME_MODULES_PATH}embed-vanilla-stand-in.js`);
    const file = await embed.serve(new URL(url!).pathname, ORIGIN);
    expect(file).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8' });
    expect(file!.body).toContain(STAND_IN_NOTE);
    // What @qlik/embed-react and @qlik/embed-web-components call on the module.
    const dir = await mkdtemp(join(tmpdir(), 'qlik-embed-ui-'));
    await writeFile(join(dir, 'embed-vanilla.mjs'), file!.body);
    const module = await import(pathToFileURL(join(dir, 'embed-vanilla.mjs')).href);
    expect(Object.keys(module)).toEqual(['mountVanillaEmbedComponent']);
    expect(typeof module.mountVanillaEmbedComponent).toBe('function');
  });

  it('answers undefined for a module file it did not build', async () => {
    expect(await embed.serve(`${RUNTIME_MODULES_PATH}nope.js`, ORIGIN)).toBeUndefined();
    expect(await embed.serve(`${RUNTIME_MODULES_PATH}../package.json`, ORIGIN)).toBeUndefined();
  });

  it('answers 404 with what to install when @qlik/api is not installed', async () => {
    const missing = createQlikEmbed({ locateQlikApi: () => undefined });
    const res = await missing.serve('/qlik-embed/main.js', ORIGIN);
    expect(res?.status).toBe(404);
    expect(res?.contentType).toMatch(/^application\/json/);
    const entry = JSON.parse(res!.body).errors[0];
    expect(entry).toMatchObject({ title: '@qlik/api is not installed', status: '404' });
    expect(entry.detail).toContain('npm install --save-dev @qlik/api');
    expect((await missing.serve(`${RUNTIME_MODULES_PATH}auth-v1.js`, ORIGIN))?.status).toBe(404);
  });

  it('answers 501 naming the version when the installed @qlik/api has no module table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qlik-api-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ version: '9.0.0' }));
    const res = await createQlikEmbed({ locateQlikApi: () => dir }).serve(
      '/qlik-embed/main.js',
      ORIGIN,
    );
    expect(res?.status).toBe(501);
    expect(JSON.parse(res!.body).errors[0].title).toBe('@qlik/api 9.0.0 is not supported');
  });
});
