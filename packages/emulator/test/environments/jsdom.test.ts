// @vitest-environment jsdom
import { describe, it } from 'vitest';
import { signInWithFakeClock } from './tenant-flow.js';

describe('createTenant under jsdom', () => {
  it('signs in, expires by the injected clock, refreshes and expires the session', async () => {
    await signInWithFakeClock();
  });
});
