#!/usr/bin/env node
// Setup time of a signed-in test client: `createTestTenant()` plus `signIn()` (discovery, the
// authorize redirect, the code exchange, all through the tenant's handler in this process), the
// cost a unit test pays before its first assertion. Prints the median of 50; asserts nothing.
import { performance } from 'node:perf_hooks';
import { createTestTenant } from '@qlik-auth/testing';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);

/** One signed-in client from nothing; milliseconds. */
async function once() {
  const started = performance.now();
  const tenant = createTestTenant({ users: [{ id: 'ada', name: 'Ada Lovelace' }] });
  const auth = await tenant.signIn('ada');
  const elapsed = performance.now() - started;
  auth.destroy();
  return elapsed;
}

// Warm-up: module loading and the JIT are paid once per test file, not per test.
for (let i = 0; i < 5; i += 1) await once();
const times = [];
for (let i = 0; i < RUNS; i += 1) times.push(await once());
times.sort((a, b) => a - b);
const median = (times[Math.floor((RUNS - 1) / 2)] + times[Math.ceil((RUNS - 1) / 2)]) / 2;
console.log('\nSigned-in test client (@qlik-auth/testing: createTestTenant + signIn), Node');
console.log(
  `  median of ${RUNS}: ${median.toFixed(2)} ms   (min ${times[0].toFixed(2)}, max ${times.at(-1).toFixed(2)})`,
);
