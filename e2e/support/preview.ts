import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `pnpm` in the repository and resolves with its output; rejects on a non-zero exit. */
function pnpm(args: string[]): { child: ChildProcess; done: Promise<string> } {
  // Its own process group, so that close() ends pnpm and the vite it started, and nothing else.
  const child = spawn('pnpm', args, { cwd: root, stdio: 'pipe', detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`pnpm ${args.join(' ')}: ${output}`)),
    );
  });
  return { child, done };
}

/**
 * Builds an example app for production (into a directory of its own, leaving `dist/` alone) and
 * serves the build with `vite preview` on `port`, as a static host would: the app's
 * vite.config.ts gives the built HTML its Content-Security-Policy `<meta>` and the preview its
 * header. The port must be one the emulator's client registers (4173 demo, 4174 mashup).
 */
export async function startPreview(
  app: 'demo' | 'mashup',
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const outDir = await mkdtemp(join(tmpdir(), `qlik-auth-${app}-`));
  await pnpm(['--dir', `apps/${app}`, 'exec', 'vite', 'build', '--outDir', outDir, '--emptyOutDir'])
    .done;
  const preview = pnpm([
    '--dir',
    `apps/${app}`,
    'exec',
    'vite',
    'preview',
    '--outDir',
    outDir,
    '--port',
    String(port),
    '--strictPort',
  ]);
  const url = `http://localhost:${port}/`;
  const exited = preview.done.then(
    () => new Error('vite preview exited'),
    (error: Error) => error,
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    const failed = await Promise.race([exited, new Promise((r) => setTimeout(r, 200, null))]);
    if (failed) throw failed;
    if (Date.now() > deadline) throw new Error(`vite preview did not answer on ${url}`);
  }
  return {
    url,
    async close() {
      try {
        process.kill(-preview.child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await preview.done.catch(() => {});
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
