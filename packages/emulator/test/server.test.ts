import { describe, expect, it } from 'vitest';
import { createTenant, startEmulator } from '../src/index.js';

describe('startEmulator', () => {
  it('listens on a free port chosen by the system unless told otherwise', async () => {
    const [one, two] = await Promise.all([startEmulator(), startEmulator()]);
    try {
      expect(one.port).toBeGreaterThan(0);
      expect(two.port).not.toBe(one.port);
      expect(one.url).toBe(`http://localhost:${one.port}`);
      expect((await fetch(`${one.url}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('serves a tenant made by createTenant, sharing its state with the handler', async () => {
    const tenant = createTenant({ accessTokenTtlSeconds: 90 });
    const emulator = await startEmulator({ tenant });
    try {
      expect(emulator.tenant).toBe(tenant);
      tenant.configure({ accessTokenTtlSeconds: 120 });
      const config = (await (await fetch(`${emulator.url}/__emulator/config`)).json()) as {
        accessTokenTtlSeconds: number;
      };
      expect(config.accessTokenTtlSeconds).toBe(120);
      expect(tenant.requests()).toEqual([]);
      await fetch(`${emulator.url}/.well-known/jwks.json`);
      expect(tenant.requests().map((entry) => entry.path)).toEqual(['/.well-known/jwks.json']);
    } finally {
      await emulator.close();
    }
  });
});
