/**
 * Micro-benchmarks (item 4 of the issue), in-process, no HTTP. Run by run.ts as a child process
 * pinned to core 0: reads the run's keys from BENCH_KEYS_DIR, writes JSON to BENCH_MICRO_OUT.
 */
import { writeFileSync } from 'node:fs';
import { ALGS } from './config.js';
import { readKeys } from './keys.js';
import { ourService, signCases, verifyCases, type MicroCase } from './micro-cases.js';

/** One measured case. */
export interface MicroResult {
  kind: MicroCase['kind'];
  alg: MicroCase['alg'];
  impl: string;
  opsPerSec: number;
  /** Microseconds per operation. */
  usPerOp: number;
}

/** Runs `fn` for `ms`, awaiting it when it returns a promise and yielding to the event loop. */
async function loop(fn: () => unknown, ms: number): Promise<number> {
  const asynchronous = fn() instanceof Promise;
  const start = performance.now();
  let lastYield = start;
  let count = 0;
  for (;;) {
    for (let i = 0; i < 32; i++) {
      const result = fn();
      if (asynchronous) await result;
    }
    count += 32;
    const now = performance.now();
    if (now - start >= ms) return (count / (now - start)) * 1000;
    // Timers (the revocation view's sync) must run, as they would in a server.
    if (now - lastYield > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
}

async function main(): Promise<void> {
  const dir = process.env.BENCH_KEYS_DIR;
  const out = process.env.BENCH_MICRO_OUT;
  const ms = Number(process.env.BENCH_MICRO_MS ?? 1000);
  if (!dir || !out) throw new Error('BENCH_KEYS_DIR and BENCH_MICRO_OUT are required');
  const keys = readKeys(dir);
  const results: MicroResult[] = [];
  for (const alg of ALGS) {
    const warm = await ourService(keys[alg]);
    const cold = await ourService(keys[alg], 0);
    try {
      const pool = Array.from(
        { length: 1024 },
        () => warm.tokens.issue({ sub: 'users:user1' }).accessToken,
      );
      const kid = String(warm.tokens.decode(pool[0]!)?.header.kid);
      const cases = [
        ...signCases(keys[alg], warm.tokens, kid),
        ...verifyCases(keys[alg], cold.tokens, warm.tokens, pool),
      ];
      for (const c of cases) {
        await loop(c.fn, ms / 4); // warm-up (and a first check that it works)
        const opsPerSec = await loop(c.fn, ms);
        results.push({ kind: c.kind, alg, impl: c.impl, opsPerSec, usPerOp: 1e6 / opsPerSec });
        console.log(
          `    ${c.kind.padEnd(9)} ${alg} ${c.impl.padEnd(42)} ${Math.round(opsPerSec).toLocaleString('en-US').padStart(10)} /s`,
        );
      }
    } finally {
      await warm.module.close();
      await cold.module.close();
    }
  }
  writeFileSync(out, JSON.stringify(results));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
