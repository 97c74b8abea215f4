// The built documentation site (`pnpm docs:build`), opened in Chromium: every page reachable
// from the home page by internal links loads (no 404), and every #anchor it links to exists.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { startFileServer } from '../support/file-server.js';

const site = fileURLToPath(new URL('../../docs/.vitepress/dist', import.meta.url));

test('every internal link of the documentation site leads to a page', async ({ page }) => {
  test.setTimeout(300_000);
  expect(existsSync(site), 'build the site first: pnpm docs:build').toBe(true);
  const server = await startFileServer(site);
  try {
    const queue = ['/'];
    const seen = new Set(queue);
    const broken: string[] = [];
    const anchors: { from: string; to: string }[] = [];
    while (queue.length) {
      const path = queue.shift()!;
      const response = await page.goto(`${server.origin}${path}`);
      if (response?.status() !== 200) {
        broken.push(`${path} (${response?.status()}), linked from ${referrer.get(path)}`);
        continue;
      }
      const hrefs = await page.$$eval('a[href]', (links) =>
        links.map((link) => (link as HTMLAnchorElement).href),
      );
      for (const href of hrefs) {
        const url = new URL(href);
        if (url.origin !== server.origin) continue;
        if (url.hash.length > 1) anchors.push({ from: path, to: `${url.pathname}${url.hash}` });
        if (!seen.has(url.pathname)) {
          seen.add(url.pathname);
          referrer.set(url.pathname, path);
          queue.push(url.pathname);
        }
      }
    }
    for (const { from, to } of anchors) {
      const [pathname, hash] = to.split('#');
      if (broken.some((entry) => entry.startsWith(`${pathname} `))) continue;
      await page.goto(`${server.origin}${pathname}`);
      const id = decodeURIComponent(hash!);
      if ((await page.locator(`[id="${id.replace(/"/g, '\\"')}"]`).count()) === 0) {
        broken.push(`${to} (no such anchor), linked from ${from}`);
      }
    }
    console.info(`${seen.size} pages, ${anchors.length} anchor links checked`);
    expect(seen.size).toBeGreaterThan(10);
    expect(broken, 'broken internal links').toEqual([]);
  } finally {
    await server.close();
  }
});

const referrer = new Map<string, string>();
