// @vitest-environment jsdom
import { describe, it } from 'vitest';
import { keepsTheLoginSession, signInWithFakeClock } from './tenant-flow.js';

describe('createTenant under jsdom', () => {
  it('signs in, expires by the injected clock, refreshes and expires the session', async () => {
    await signInWithFakeClock();
  });

  it('keeps the login session in its cookie, so prompt=none signs in again', async () => {
    await keepsTheLoginSession();
  });
});
