import { type IncomingMessage, type ServerResponse } from 'node:http';
import { RUNTIME_SETTINGS, resolveConfig, validateSetting } from './config.js';
import { parseFault } from './control.js';
import { apiError } from './errors.js';
import { methodNotAllowed, readText, safeDecode, sendJson } from './http.js';
import type { Context } from './context.js';

/** The `/__emulator/` control API that tests use to inspect and bend the tenant. */
export function createControlRoutes(ctx: Context) {
  const { tenant, control, options } = ctx;
  const initialConfig = () => resolveConfig(options.config ?? {});

  /** `/__emulator/...`: the control API for tests. */
  async function controlApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice('/__emulator'.length);
    const method = req.method ?? 'GET';
    const body = async (): Promise<unknown> => {
      const text = await readText(req);
      if (!text) return {};
      try {
        return JSON.parse(text);
      } catch {
        throw apiError(400, 'EMULATOR-2', 'Invalid JSON', 'the body is not valid JSON');
      }
    };
    const open = { 'access-control-allow-origin': '*' };
    if (path === '/requests') {
      if (method === 'GET') return sendJson(res, 200, { data: control.log }, open);
      if (method === 'DELETE') {
        control.log.length = 0;
        return sendJson(res, 200, { data: [] }, open);
      }
      methodNotAllowed('GET, DELETE');
    }
    if (path === '/stats') {
      if (method !== 'GET') methodNotAllowed('GET');
      return sendJson(res, 200, { ...tenant.stats }, open);
    }
    if (path === '/config') {
      if (method === 'GET') return sendJson(res, 200, tenant.config, open);
      if (method === 'PATCH') {
        const changes = await body();
        if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
          throw apiError(400, 'EMULATOR-3', 'Invalid config', 'send a JSON object');
        }
        const updates: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(changes)) {
          if (!(RUNTIME_SETTINGS as readonly string[]).includes(key)) {
            throw apiError(400, 'EMULATOR-3', 'Invalid config', `${key} cannot change at run time`);
          }
          try {
            updates[key] = validateSetting(key as (typeof RUNTIME_SETTINGS)[number], value);
          } catch (error) {
            throw apiError(400, 'EMULATOR-3', 'Invalid config', (error as Error).message);
          }
        }
        Object.assign(tenant.config, updates);
        return sendJson(res, 200, tenant.config, open);
      }
      methodNotAllowed('GET, PATCH');
    }
    if (path === '/faults') {
      if (method === 'GET') return sendJson(res, 200, { data: control.faults }, open);
      if (method === 'POST') {
        const fault = parseFault(await body());
        control.faults.push(fault);
        return sendJson(res, 201, fault, open);
      }
      if (method === 'DELETE') {
        control.faults = [];
        return sendJson(res, 200, { data: [] }, open);
      }
      methodNotAllowed('GET, POST, DELETE');
    }
    const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
    if (faultId) {
      if (method !== 'DELETE') methodNotAllowed('DELETE');
      const before = control.faults.length;
      control.faults = control.faults.filter((f) => f.id !== faultId);
      if (control.faults.length === before)
        throw apiError(404, 'HTTP-404', 'Not found', 'no such fault');
      res.writeHead(204, open);
      return void res.end();
    }
    const userAction = /^\/users\/([^/]+)\/(revoke|disable|enable)$/.exec(path);
    if (userAction) {
      if (method !== 'POST') methodNotAllowed('POST');
      const user = tenant.user(safeDecode(userAction[1]!) ?? '');
      if (!user) throw apiError(404, 'HTTP-404', 'Not found', 'no such user');
      if (userAction[2] === 'revoke') {
        return sendJson(res, 200, { revokedGrants: tenant.revokeUser(user.id) }, open);
      }
      user.disabled = userAction[2] === 'disable';
      return sendJson(res, 200, user, open);
    }
    if (path === '/reset') {
      if (method !== 'POST') methodNotAllowed('POST');
      tenant.reset(initialConfig());
      control.reset();
      return sendJson(res, 200, { reset: true }, open);
    }
    throw apiError(404, 'HTTP-404', 'Not found', `no control endpoint at ${url.pathname}`);
  }

  return { controlApi };
}
