#!/usr/bin/env node
// Setup time of a signed-in test client: `createTestTenant()` plus `signIn()` (discovery, the
// authorize redirect, the code exchange, all through the tenant's handler in this process), the
// cost a unit test pays before its first assertion, for each client type (a single-page app's
// session has no refresh token; a native client's has one). Prints the median of 50 each;
// asserts nothing.
import { performance } from 'node:perf_hooks';
import { createTestTenant } from '@qlik-auth/testing';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);

/** One signed-in client of `appType` from nothing; milliseconds. */
async function once(appType) {
  const started = performance.now();
  const tenant = createTestTenant({ appType, users: [{ id: 'ada', name: 'Ada Lovelace' }] });
  const auth = await tenant.signIn('ada');
  const elapsed = performance.now() - started;
  auth.destroy();
  return elapsed;
}

console.log('\nSigned-in test client (@qlik-auth/testing: createTestTenant + signIn), Node');
for (const appType of ['spa', 'native']) {
  // Warm-up: module loading and the JIT are paid once per test file, not per test.
  for (let i = 0; i < 5; i += 1) await once(appType);
  const times = [];
  for (let i = 0; i < RUNS; i += 1) times.push(await once(appType));
  times.sort((a, b) => a - b);
  const median = (times[Math.floor((RUNS - 1) / 2)] + times[Math.ceil((RUNS - 1) / 2)]) / 2;
  console.log(
    `  ${appType.padEnd(7)} median of ${RUNS}: ${median.toFixed(2)} ms   (min ${times[0].toFixed(2)}, max ${times.at(-1).toFixed(2)})`,
  );
}
