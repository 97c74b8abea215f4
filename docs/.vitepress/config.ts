import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type DefaultTheme } from 'vitepress';

const docs = join(import.meta.dirname, '..');

/** The API reference's sidebar, from what TypeDoc wrote under docs/api (one group a package). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const scope = join(docs, 'api', '@qlik-auth');
  if (!existsSync(scope)) return [];
  return readdirSync(scope)
    .filter((name) => statSync(join(scope, name)).isDirectory())
    .sort()
    .map((name) => {
      const base = `/api/@qlik-auth/${name}`;
      const kinds = readdirSync(join(scope, name)).filter((kind) =>
        statSync(join(scope, name, kind)).isDirectory(),
      );
      return {
        text: `@qlik-auth/${name}`,
        link: `${base}/`,
        collapsed: true,
        items: kinds.flatMap((kind) =>
          readdirSync(join(scope, name, kind))
            .filter((file) => file.endsWith('.md'))
            .sort()
            .map((file) => ({
              text: file.replace(/\.md$/, ''),
              link: `${base}/${kind}/${file.replace(/\.md$/, '')}`,
            })),
        ),
      };
    });
}

export default defineConfig({
  title: 'qlik-auth',
  description: 'Browser OAuth for Qlik Cloud: core, React bindings and a local tenant emulator.',
  // Where the site is served from: `/` unless DOCS_BASE says otherwise (e.g. `/qlik-auth/`).
  base: process.env.DOCS_BASE ?? '/',
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Recipes', link: '/recipes/nextjs' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'React', link: '/guide/react' },
          { text: 'Sessions on Qlik Cloud', link: '/guide/sessions' },
          { text: 'Troubleshooting', link: '/guide/troubleshooting' },
          { text: 'The emulator', link: '/guide/emulator' },
          { text: 'Testing', link: '/testing' },
          { text: 'Security', link: '/security' },
          { text: 'Architecture', link: '/architecture' },
        ],
      },
      {
        text: 'Recipes',
        items: [
          { text: '@qlik/api', link: '/recipes/qlik-api' },
          { text: 'enigma.js', link: '/recipes/enigma' },
          { text: 'qlik-embed', link: '/recipes/qlik-embed' },
          { text: 'Next.js', link: '/recipes/nextjs' },
          { text: 'A plain mashup', link: '/recipes/mashup' },
        ],
      },
      { text: 'API reference', link: '/api/', items: apiSidebar() },
    ],
    search: { provider: 'local' },
  },
});
