import type { Tenant } from './tenant.js';

/**
 * Qlik Cloud's API rate limit tiers. The OAuth OpenAPI marks each operation with `x-qlik-tier`:
 * `/oauth/authorize` is Tier 1, `/oauth/token` and `/oauth/revoke` Tier 2.
 */
export type RateLimitTier = 1 | 2;

/** One key's window: how many requests it counted, and when the window ends. */
interface RateWindow {
  count: number;
  endsAt: number;
}

/** Whole seconds until the window ends, at least 1: the `Retry-After` of a 429. */
const secondsLeft = (window: RateWindow, now: number) =>
  Math.max(1, Math.ceil((window.endsAt - now) / 1000));

/**
 * A tenant's rate limit windows, as qlik.dev "Rate limiting"
 * (https://qlik.dev/apis/rest/rate-limiting) describes them: per tier, per user, per tenant; a
 * limit per minute evaluated over a 5-minute window, so a user may spend the window's whole
 * budget (`perMinute × windowMinutes`) in a burst; once it is spent, every endpoint of the tier
 * answers 429 until the window ends ("When a rate limit is reached, all endpoints in the same
 * tier are blocked until the retry-after time expires", Qlik's support article
 * https://community.qlik.com/t5/Official-Support-Articles/Qlik-Cloud-API-rate-limits-enforced-starting-on-November-1st/ta-p/1991382).
 *
 * Qlik does not document its algorithm. The emulator's choice: a fixed window per key that
 * starts with the key's first request and lasts `rateLimitWindowMinutes`; `Retry-After` is the
 * whole seconds left in it. Requests refused with 429 do not count. The clock is the tenant's
 * `now()`, so fake time moves the windows. Not modelled: the tenant-wide limit of the same page
 * (user limit × users × 0.5) and the extra limits "for error responses" it mentions.
 *
 * State is one record per key, and keys are registered users and clients only (anything else
 * shares one `anonymous` key), so it is bounded by the config; windows that have ended are
 * forgotten by the tenant's sweep.
 */
export class RateLimits {
  readonly windows = new Map<string, RateWindow>();

  constructor(private readonly tenant: Tenant) {}

  /**
   * Counts one request of `key` in `tier`. Returns undefined when it may proceed, else the
   * seconds until the window ends (at least 1), which is the `Retry-After` of its 429.
   */
  take(tier: RateLimitTier, key: string): number | undefined {
    const { tenant } = this;
    const { config } = tenant;
    if (!config.rateLimiting) return undefined;
    const perMinute = tier === 1 ? config.tier1RateLimitPerMinute : config.tier2RateLimitPerMinute;
    const budget = perMinute * config.rateLimitWindowMinutes;
    const now = tenant.now();
    const window = this.current(tier, key, now);
    if (window.count >= budget) return secondsLeft(window, now);
    window.count += 1;
    return undefined;
  }

  /**
   * Spends the rest of a key's budget in its current window (a new window if it has none), so
   * its next request of the tier is refused: a control for tests. Returns the seconds left.
   */
  exhaust(tier: RateLimitTier, key: string): number {
    const now = this.tenant.now();
    const window = this.current(tier, key, now);
    window.count = Number.POSITIVE_INFINITY;
    return secondsLeft(window, now);
  }

  /** The key's window in `tier` at `now`: its current one, or a new one from now. */
  private current(tier: RateLimitTier, key: string, now: number): RateWindow {
    const id = `tier${tier} ${key}`;
    let window = this.windows.get(id);
    // No `tenant.writing()` here: a sweep now could forget what the route is about to look at
    // (an expired code would be refused as unknown instead of as expired). The windows need none
    // to stay bounded: there is at most one per tier and registered user or client.
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.tenant.config.rateLimitWindowMinutes * 60_000 };
      this.windows.set(id, window);
    }
    return window;
  }

  /** Forgets the windows that have ended by `now`. */
  sweep(now: number): void {
    for (const [id, window] of this.windows) if (window.endsAt <= now) this.windows.delete(id);
  }

  clear(): void {
    this.windows.clear();
  }
}
