#!/usr/bin/env node
// The emulator under load, as a tenant left running for days sees it: whether a sign-in costs
// the same after 20,000 earlier ones as after 1,000, how many refreshes it answers per second, and
// whether its live heap stays flat over 100,000 refreshes. Each figure is the median of several
// runs (BENCH_EMULATOR_RUNS, default 3), each run in a process of its own (emulator-load.mjs). The load is generated in process,
// through the tenant's fetch handler (no HTTP), by 50 simulated browsers at once. Measures and
// prints; asserts nothing. The machine's other work makes single runs noisy: read the medians.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_EMULATOR_RUNS ?? 3);
const load = join(dirname(fileURLToPath(import.meta.url)), 'emulator-load.mjs');

/** One run of the load generator in a fresh process; its JSON result. */
function run(mode, nodeFlags = []) {
  const out = execFileSync(process.execPath, [...nodeFlags, load, mode], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
};
const of = (runs, pick) => median(runs.map(pick));
const rate = (value) => `${Math.round(value).toLocaleString('en-US')}/s`;
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const signIns = Array.from({ length: RUNS }, () => run('sign-ins'));
const refreshes = Array.from({ length: RUNS }, () => run('refreshes', ['--expose-gc']));

const early = {
  perSecond: of(signIns, (r) => r.at1000.perSecond),
  ms: of(signIns, (r) => r.at1000.msPerSignIn),
};
const late = {
  perSecond: of(signIns, (r) => r.late.perSecond),
  ms: of(signIns, (r) => r.late.msPerSignIn),
};
const count = (value) => value.toLocaleString('en-US');
const grants = count(signIns[0].grants);
const refreshCount = count(refreshes[0].refreshes);
const before = of(refreshes, (r) => r.heapBefore);
const after = of(refreshes, (r) => r.heapAfter);
const growth = of(refreshes, (r) => r.heapAfter - r.heapBefore);
const unswept = of(refreshes, (r) => r.heapAfterRun);

console.log(
  `\nEmulator under load (in-process tenant.fetch, no HTTP; 50 browsers at once; median of ${RUNS} run${RUNS === 1 ? '' : 's'}, one process each)`,
);
console.log(
  `  sign-ins at ${'1,000'.padStart(grants.length)} grants issued: ${rate(early.perSecond).padStart(8)}   ${early.ms.toFixed(2)} ms per sign-in`,
);
console.log(
  `  sign-ins at ${grants} grants issued: ${rate(late.perSecond).padStart(8)}   ${late.ms.toFixed(2)} ms per sign-in` +
    `   (${(late.ms / early.ms).toFixed(2)}x the cost at 1,000)`,
);
console.log(
  `  refreshes:                        ${rate(of(refreshes, (r) => r.perSecond)).padStart(8)}`,
);
console.log(
  `  live heap after a forced GC: ${mb(before)} before, ${mb(after)} after ${refreshCount} refreshes` +
    ` (${growth >= 0 ? '+' : ''}${mb(growth)} once swept; ${mb(unswept)} before the last sweep,` +
    ` holding the access tokens of the last 15 minutes)`,
);
console.log(
  '  (one sign-in: authorize with the browser’s login session, then the code exchange; the\n' +
    '  heap runs refresh 50 grants with 15-minute access tokens while the tenant’s clock moves\n' +
    '  100 ms per refresh, then moves past the last tokens’ expiry)',
);
