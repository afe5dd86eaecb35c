import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Settings of one benchmark run. `BENCH_QUICK=1` shortens everything (a smoke test). */
export const QUICK = process.env.BENCH_QUICK === '1';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Paths: the compiled harness lives in build/bench, its sources (and outputs) in bench/. */
export const paths = {
  root: join(here, '..', '..'),
  sample: join(here, '..', 'sample', 'main.js'),
  recipe: join(here, 'recipe', 'main.js'),
  floor: join(here, 'floor', 'main.js'),
  micro: join(here, 'micro.js'),
  out: join(here, '..', '..', 'bench'),
};

function int(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Sections to run: BENCH_ONLY=http,micro,memory,propagation (default: all). */
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
export const runs = (section: 'http' | 'micro' | 'memory' | 'propagation'): boolean =>
  only.length === 0 || only.includes(section);

export const settings = {
  /** wrk: one thread, 32 connections, as in the issue. */
  connections: 32,
  /** Seconds of each measured wrk run. */
  duration: int('BENCH_DURATION', QUICK ? 1 : 3),
  /** Warm-up seconds: for the first route of a server, then for each other route. */
  warmupFirst: QUICK ? 1 : 2,
  warmupEach: QUICK ? 0 : 1,
  /** Each route of a server is measured this many times, alternately with the others. */
  rounds: int('BENCH_ROUNDS', QUICK ? 2 : 5),
  /**
   * Latency at a fixed load (issue target 6): the offered load as a share of the median req/s
   * of the slower of the two routes compared, and the rounds of these paced runs.
   */
  latencyLoad: 0.4,
  latencyRounds: int('BENCH_LATENCY_ROUNDS', QUICK ? 1 : 3),
  /** Milliseconds of pause after each measured run (in-flight requests finish). */
  settleMs: QUICK ? 100 : 250,
  /** Distinct pre-minted tokens cycled by the "cold" runs (RSA signing is slow: fewer). */
  coldTokens: int('BENCH_COLD_TOKENS', QUICK ? 20_000 : 200_000),
  coldTokensRsa: int('BENCH_COLD_TOKENS_RSA', QUICK ? 12_000 : 50_000),
  /** Memory: RSS after `memoryFirst` requests, then after `memoryTotal`, over `memoryTokens`. */
  memoryFirst: 10_000,
  memoryTotal: QUICK ? 100_000 : 1_000_000,
  memoryTokens: QUICK ? 20_000 : 100_000,
  /** Revocation propagation: login/logout/poll cycles per store. */
  propagationRuns: QUICK ? 3 : 10,
  propagationPollMs: 5,
  /** Milliseconds per micro-benchmark case. */
  microMs: QUICK ? 200 : 750,
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgresUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
};

export type Adapter = 'fastify' | 'express';
export const ADAPTERS: readonly Adapter[] = ['fastify', 'express'];
export type Alg = 'HS256' | 'RS256' | 'ES256';
export const ALGS: readonly Alg[] = ['HS256', 'RS256', 'ES256'];
