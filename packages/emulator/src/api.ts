import { type IncomingMessage, type ServerResponse } from 'node:http';
import { apiError } from './errors.js';
import { bearer, methodNotAllowed, safeDecode, sendJson } from './http.js';
import { thumbnailSvg } from './thumbnail.js';
import type { Context } from './context.js';

/** What a signed-in app reads from a tenant: `/api/v1/users/me`, `/api/v1/items`, app thumbnails. */
export function createApiRoutes(ctx: Context) {
  const { tenant, issuerOf, cors } = ctx;

  async function requireUserToken(req: IncomingMessage) {
    const value = bearer(req);
    const record = value ? await tenant.verifyAccessToken(value, undefined) : undefined;
    if (!record)
      throw apiError(401, 'HTTP-401', 'Unauthorized', 'a valid Bearer access token is required');
    return record;
  }

  /** `/api/v1/...`: what a signed-in app reads. */
  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const thumbnail = /^\/api\/v1\/apps\/([^/]+)\/media\/thumbnail$/.exec(path);
    if (thumbnail) {
      if (req.method !== 'GET') methodNotAllowed('GET');
      const value = url.searchParams.get('accessToken') ?? bearer(req);
      // Only a webresource-purpose token opens a web resource.
      const record = value ? await tenant.verifyAccessToken(value, 'webresource') : undefined;
      if (!record)
        throw apiError(401, 'HTTP-401', 'Unauthorized', 'a webresource accessToken is required');
      const app = tenant.config.apps.find((a) => a.id === safeDecode(thumbnail[1]!));
      if (!app) throw apiError(404, 'HTTP-404', 'Not found', 'no such app');
      const svg = thumbnailSvg(app);
      res.writeHead(200, {
        ...cors(req),
        'content-type': 'image/svg+xml',
        'cache-control': 'private, max-age=60',
        'content-length': Buffer.byteLength(svg),
      });
      res.end(svg);
      return;
    }
    if (req.method !== 'GET') methodNotAllowed('GET');
    const record = await requireUserToken(req);
    if (path === '/api/v1/users/me') {
      const user = record.userId ? tenant.user(record.userId) : undefined;
      if (!user) throw apiError(404, 'HTTP-404', 'Not found', 'the token has no user');
      return sendJson(
        res,
        200,
        {
          id: user.id,
          tenantId: tenant.tenantId,
          subject: user.subject,
          name: user.name,
          email: user.email,
          status: 'active',
          roles: ['TenantAdmin'],
        },
        cors(req),
      );
    }
    if (path === '/api/v1/items') {
      const type = url.searchParams.get('resourceType');
      const apps = type === null || type === 'app' ? tenant.config.apps : [];
      const origin = issuerOf(req);
      return sendJson(
        res,
        200,
        {
          data: apps.map((app) => ({
            id: `item-${app.id}`,
            resourceId: app.id,
            resourceType: 'app',
            name: app.name,
            description: app.description ?? '',
            thumbnail: `${origin}/api/v1/apps/${app.id}/media/thumbnail`,
          })),
          links: { self: { href: `${origin}${path}${url.search}` } },
        },
        cors(req),
      );
    }
    throw apiError(404, 'HTTP-404', 'Not found', `no API at ${path}`);
  }

  return { api };
}
