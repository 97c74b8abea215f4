import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionEnding, type SessionEndingState } from '../src/index.js';
import { setup } from './helpers.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3600_000;
const MINUTE = 60_000;

afterEach(() => {
  vi.useRealTimers();
});

/** Fake timers and clock together: `Date.now` is the instance's clock here. */
function fakeTime() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: START });
}

async function elapse(ms: number, step = 1000) {
  for (let passed = 0; passed < ms; passed += step) await vi.advanceTimersByTimeAsync(step);
}

describe('sessionEnding', () => {
  it('counts the last minutes of a session only the user can renew down, second by second', async () => {
    fakeTime();
    const { auth, signIn } = setup({
      tenant: { appType: 'spa', refreshTokens: false },
      auth: { now: () => Date.now() },
    });
    await signIn(auth);
    const store = sessionEnding(auth);
    const seen: SessionEndingState[] = [];
    store.subscribe(() => seen.push(store.getSnapshot()));
    expect(store.getSnapshot()).toEqual({
      ending: false,
      endsAt: START + HOUR,
      renewable: false,
    });
    await elapse(HOUR - 5 * MINUTE, MINUTE);
    expect(store.getSnapshot()).toMatchObject({ ending: true, secondsLeft: 300 });
    await elapse(3000);
    expect(store.getSnapshot().secondsLeft).toBe(297);
    expect(seen.map((state) => state.secondsLeft).filter(Boolean)).toEqual([300, 299, 298, 297]);
  });

  it('never ends a session that renews itself', async () => {
    fakeTime();
    const { auth, signIn } = setup({ auth: { now: () => Date.now() } });
    await signIn(auth);
    const store = sessionEnding(auth);
    const stop = store.subscribe(() => {});
    await elapse(HOUR, MINUTE);
    expect(store.getSnapshot()).toEqual({ ending: false, renewable: true });
    stop();
  });

  it('is one store per instance, and its timer stops with its last listener', async () => {
    fakeTime();
    const { auth, signIn } = setup({
      tenant: { appType: 'spa', refreshTokens: false },
      auth: { now: () => Date.now() },
    });
    await signIn(auth);
    expect(sessionEnding(auth)).toBe(sessionEnding(auth));
    await elapse(HOUR - 4 * MINUTE, MINUTE);
    const timers = vi.getTimerCount();
    const listener = vi.fn();
    const stop = sessionEnding(auth).subscribe(listener);
    // Its countdown: one more timer while listened to.
    expect(vi.getTimerCount()).toBe(timers + 1);
    listener.mockClear();
    await elapse(3000);
    expect(listener).toHaveBeenCalledTimes(3);
    stop();
    expect(vi.getTimerCount()).toBe(timers);
    await elapse(10_000);
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it('is not ending when signed out', async () => {
    const { auth } = setup();
    expect(sessionEnding(auth).getSnapshot()).toEqual({ ending: false, renewable: false });
  });
});
