/**
 * `npm run bench`: HTTP benchmarks (our sample vs the official recipe, Fastify and Express),
 * micro-benchmarks, memory and revocation propagation. Writes bench/results.json,
 * bench/results.md and bench/chart.svg, and prints the markdown report.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { chartSvg } from './chart.js';
import { StoreJanitor } from './cleanup.js';
import { ALGS, QUICK, paths, runs, settings, type Alg } from './config.js';
import { generateKeys, mintTokenFile } from './keys.js';
import { runMemory } from './memory.js';
import type { MicroResult } from './micro.js';
import {
  exited,
  finish,
  installExitHandlers,
  isInterrupted,
  onCleanup,
  pinning,
  startChild,
} from './processes.js';
import { runPropagation } from './propagation.js';
import { markdown, type Results } from './report.js';
import { runHttp, type HttpContext } from './scenarios.js';
import { checkWrk, writeLuaScripts } from './wrk.js';

const started = Date.now();
const log = (message: string): void => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[${seconds} s] ${message}`);
};

async function main(): Promise<void> {
  installExitHandlers();
  checkWrk();
  const dir = mkdtempSync(join(tmpdir(), 'nest-jwt-bench-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const results: Results = {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus().length,
      node: process.version,
      os: `${type()} ${release()}`,
      date: new Date().toISOString(),
      pinning: pinning.note,
      load: `wrk 1 thread, ${settings.connections} connections, ${settings.duration} s runs × ${settings.rounds} rounds, each between two open runs, ×open = median of the bracketed ratios`,
      quick: QUICK,
    },
    settings: { ...settings },
    http: [],
    micro: [],
    propagation: [],
    cleanup: [],
    seconds: 0,
  };
  log(
    `${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; ${pinning.note}`,
  );

  const keys = await generateKeys(dir);
  log('keys: HS256 (64-byte secret), RS256 (RSA 2048), ES256 (P-256)');
  const janitor = new StoreJanitor();
  const needStores = runs('http') || runs('propagation');
  const stores = needStores ? await janitor.snapshot((m) => log(`WARNING ${m}`)) : [];
  onCleanup(async () => void (await janitor.clean()));
  const ctx: HttpContext = {
    keys,
    tokenFiles: await mintAll(keys, dir),
    lua: writeLuaScripts(dir),
    log,
    stores,
    trackToken: (store, token) => janitor.track(store, token),
  };

  if (runs('micro')) {
    log('micro-benchmarks (in-process, one core)');
    results.micro = await runMicro(dir);
  }
  if (runs('http')) {
    log('HTTP benchmarks');
    results.http = await runHttp(ctx);
  }
  if (runs('memory')) {
    log('memory (Fastify, HS256)');
    results.memory = await runMemory(ctx);
  }
  if (runs('propagation')) {
    for (const store of stores) {
      log(`revocation propagation (${store})`);
      results.propagation.push(await runPropagation(ctx, store));
    }
  }
  results.cleanup = await janitor.clean();
  for (const note of results.cleanup) log(note);
  results.seconds = (Date.now() - started) / 1000;
  await write(results);
}

/** Mints the distinct tokens the cold runs (and the memory run) cycle through. */
async function mintAll(keys: HttpContext['keys'], dir: string): Promise<HttpContext['tokenFiles']> {
  const files = {} as HttpContext['tokenFiles'];
  const wanted = (alg: Alg): number =>
    alg === 'RS256'
      ? settings.coldTokensRsa
      : Math.max(settings.coldTokens, alg === 'HS256' ? settings.memoryTokens : 0);
  for (const alg of ALGS) {
    if (!runs('http') && !(alg === 'HS256' && runs('memory'))) continue;
    const at = Date.now();
    const file = join(dir, `tokens-${alg}.txt`);
    const count = wanted(alg);
    files[alg] = { file, count, first: await mintTokenFile(keys[alg], count, file) };
    log(
      `minted ${count.toLocaleString('en-US')} ${alg} tokens in ${((Date.now() - at) / 1000).toFixed(1)} s`,
    );
  }
  return files;
}

/** Runs micro.js in a child process on core 0 and reads its JSON. */
async function runMicro(dir: string): Promise<MicroResult[]> {
  const out = join(dir, 'micro.json');
  const { child, lines } = startChild(process.execPath, [paths.micro], {
    core: 0,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_KEYS_DIR: dir,
      BENCH_MICRO_OUT: out,
      BENCH_MICRO_MS: String(settings.microMs),
    },
    onLine: (line) => line.startsWith('    ') && console.log(line),
  });
  const code = await exited(child);
  if (code !== 0)
    throw new Error(`micro-benchmarks failed (${code}):\n${lines.slice(-20).join('\n')}`);
  return JSON.parse(readFileSync(out, 'utf8')) as MicroResult[];
}

async function write(results: Results): Promise<void> {
  const mdFile = join(paths.out, 'results.md');
  const config = (await prettier.resolveConfig(mdFile)) ?? {};
  const md = await prettier.format(markdown(results), { ...config, parser: 'markdown' });
  writeFileSync(join(paths.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(mdFile, md);
  writeFileSync(join(paths.out, 'chart.svg'), chartSvg(results));
  console.log(`\n${md}`);
  log('wrote bench/results.json, bench/results.md, bench/chart.svg');
}

main()
  .then(() => finish())
  .catch(async (error: unknown) => {
    if (isInterrupted()) return;
    console.error(
      `\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    await finish();
    process.exitCode = 1;
  });
