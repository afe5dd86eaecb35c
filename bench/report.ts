import { ADAPTERS, ALGS, type Adapter } from './config.js';
import type { MemoryResult } from './memory.js';
import type { MicroResult } from './micro.js';
import type { PropagationResult } from './propagation.js';
import type { Row } from './scenarios.js';
import { fmt } from './sessions.js';

/** Everything a run produced: written to bench/results.json. */
export interface Results {
  machine: {
    cpu: string;
    cores: number;
    node: string;
    os: string;
    date: string;
    pinning: string;
    load: string;
    quick: boolean;
  };
  settings: Record<string, unknown>;
  http: Row[];
  micro: MicroResult[];
  memory?: MemoryResult;
  propagation: PropagationResult[];
  cleanup: string[];
  seconds: number;
}

/** Rows of the HTTP table, in order (the open route is the HS256 server's). */
export const TABLE_ROWS = [
  'open-HS256',
  'ours-HS256-warm',
  'ours-RS256-warm',
  'ours-ES256-warm',
  'ours-HS256-cold',
  'ours-RS256-cold',
  'ours-ES256-cold',
  'floor-HS256-cold',
  'floor-RS256-cold',
  'floor-ES256-cold',
  'floor-accept',
  'recipe-HS256',
  'recipe-RS256',
  'recipe-ES256',
  'store-redis',
  'store-postgres',
  'login',
] as const;

export function find(results: Results, id: string, adapter: Adapter): Row | undefined {
  return results.http.find((r) => r.id === id && r.adapter === adapter);
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '—');
const x = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '—');

export function machineLine(results: Results): string {
  const m = results.machine;
  return (
    `${m.date} · ${m.cpu} · ${m.cores} cores · Node ${m.node} · ${m.os} · ${m.pinning} · ${m.load}` +
    (m.quick ? ' · **BENCH_QUICK=1 (shortened run)**' : '')
  );
}

/** The markdown report: HTTP table, comparisons, micro-benchmarks, memory, propagation. */
export function markdown(results: Results): string {
  const out: string[] = ['# nest-jwt-security benchmark', '', machineLine(results), ''];
  if (results.http.length > 0) out.push(...httpTable(results), ...latencyTable(results));
  if (results.micro.length > 0) out.push(...microTables(results.micro));
  if (results.memory) out.push(...memorySection(results.memory));
  if (results.propagation.length > 0) out.push(...propagationSection(results.propagation));
  out.push(`Run time: ${Math.round(results.seconds)} s.`, '');
  return out.join('\n');
}

function httpTable(results: Results): string[] {
  const out = [
    '## HTTP: guarded route vs the open route of the same server process',
    '',
    'req/s and latency are medians of the measured runs; ×open is the median, over the runs, of',
    "the ratio of each run to the open route's runs just before and after it in the same process",
    '(geometric mean of the two; p99 ×open in parentheses).',
    '',
    '| configuration | Fastify req/s | ×open | p50 ms | p99 ms (×open) | Express req/s | ×open | p50 ms | p99 ms (×open) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const id of TABLE_ROWS) {
    const cells: string[] = [];
    let label = '';
    for (const adapter of ADAPTERS) {
      const row = find(results, id, adapter);
      if (!row) {
        cells.push('—', '—', '—', '—');
        continue;
      }
      label = row.label;
      const bad = row.measured.non2xx > 0 ? ` ⚠ ${row.measured.non2xx} non-2xx` : '';
      cells.push(
        fmt(row.measured.rps) + bad,
        x(row.ratio),
        ms(row.measured.p50),
        `${ms(row.measured.p99)} (${x(row.p99Ratio)})`,
      );
    }
    if (label) out.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  out.push('', ...comparisons(results), '');
  return out;
}

/** p50/p99 of our guard and of the open route at the same offered load (issue target 6). */
function latencyTable(results: Results): string[] {
  const ids = TABLE_ROWS.filter((id) => id.startsWith('ours-'));
  const rows: string[] = [];
  for (const id of ids) {
    const cells: string[] = [];
    let label = '';
    for (const adapter of ADAPTERS) {
      const row = find(results, id, adapter);
      const paced = row?.paced;
      if (!row || !paced) {
        cells.push('—', '—', '—', '—');
        continue;
      }
      label = row.label;
      const bad = paced.measured.non2xx > 0 ? ` ⚠ ${paced.measured.non2xx} non-2xx` : '';
      cells.push(
        `${fmt(paced.open.rps)} / ${fmt(paced.measured.rps)}${bad}`,
        `${ms(paced.open.p50)} / ${ms(paced.measured.p50)}`,
        `${ms(paced.open.p99)} / ${ms(paced.measured.p99)}`,
        x(paced.p99Ratio),
      );
    }
    if (label) rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  if (rows.length === 0) return [];
  return [
    '## Latency at the same offered load',
    '',
    `Each connection pauses between requests so that the load is about ${Number(results.settings.latencyLoad) * 100}% of`,
    'what the slower of the two routes sustained in the same process (so that neither runs past its',
    'capacity); the open route and the guarded route run alternately at that same load. Cells:',
    'open route / guarded route; p99 ×open is the median over the runs of the ratio to the open',
    'runs around each.',
    '',
    '| configuration | Fastify req/s | p50 ms | p99 ms | p99 ×open | Express req/s | p50 ms | p99 ms | p99 ×open |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ];
}

/** Ours vs the recipe in req/s (issue target 2), and each store vs the memory store (target 3). */
function comparisons(results: Results): string[] {
  const lines: string[] = [];
  for (const adapter of ADAPTERS) {
    const name = adapter === 'fastify' ? 'Fastify' : 'Express';
    const speedups = ALGS.flatMap((alg) => {
      const ours = find(results, `ours-${alg}-warm`, adapter);
      const recipe = find(results, `recipe-${alg}`, adapter);
      return ours && recipe
        ? [`${alg} ×${(ours.measured.rps / recipe.measured.rps).toFixed(1)}`]
        : [];
    });
    if (speedups.length)
      lines.push(`- ${name}: our guard / recipe guard (req/s, warm): ${speedups.join(', ')}`);
    const accept = find(results, 'floor-accept', adapter);
    const warmFloors = ALGS.flatMap((alg) => {
      const ours = find(results, `ours-${alg}-warm`, adapter);
      return ours && accept ? [`${alg} ${(ours.ratio / accept.ratio).toFixed(2)}`] : [];
    });
    if (warmFloors.length) {
      lines.push(
        `- ${name}: our guard ×open / floor ×open (warm token, a guard that checks nothing): ${warmFloors.join(', ')}`,
      );
    }
    const floors = ALGS.flatMap((alg) => {
      const ours = find(results, `ours-${alg}-cold`, adapter);
      const floor = find(results, `floor-${alg}-cold`, adapter);
      return ours && floor ? [`${alg} ${(ours.ratio / floor.ratio).toFixed(2)}`] : [];
    });
    if (floors.length) {
      lines.push(
        `- ${name}: our guard ×open / floor ×open (cold tokens, the signature check alone): ${floors.join(', ')}`,
      );
    }
    const memory = find(results, 'ours-HS256-warm', adapter);
    const stores = (['redis', 'postgres'] as const).flatMap((store) => {
      const row = find(results, `store-${store}`, adapter);
      return row && memory ? [`${store} ${(row.ratio / memory.ratio).toFixed(2)}`] : [];
    });
    if (stores.length) {
      lines.push(
        `- ${name}: store ×open / memory store ×open (HS256 warm, revocation 'all'): ${stores.join(', ')}`,
      );
    }
  }
  return lines;
}

function microTables(micro: readonly MicroResult[]): string[] {
  const out: string[] = [];
  for (const kind of ['sign pair', 'verify'] as const) {
    const title = kind === 'sign pair' ? 'Token pair issue (access + refresh)' : 'Verify';
    out.push(
      `## Micro-benchmark: ${title} per second, one core, in-process`,
      '',
      'Each cell: operations per second (× the node:crypto floor).',
      '',
      '| implementation | HS256 | RS256 | ES256 |',
      '| --- | ---: | ---: | ---: |',
    );
    const impls = [...new Set(micro.filter((m) => m.kind === kind).map((m) => m.impl))];
    for (const impl of impls) {
      const cells = ALGS.map((alg) => {
        const result = micro.find((m) => m.kind === kind && m.alg === alg && m.impl === impl);
        const floor = micro.find(
          (m) => m.kind === kind && m.alg === alg && m.impl === 'node:crypto floor',
        );
        if (!result) return '—';
        return floor
          ? `${fmt(result.opsPerSec)} (${x(result.opsPerSec / floor.opsPerSec)})`
          : fmt(result.opsPerSec);
      });
      out.push(`| ${impl} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out;
}

function memorySection(memory: MemoryResult): string[] {
  const mib = (kb: number): string => (kb / 1024).toFixed(1);
  return [
    '## Memory (sample, Fastify, HS256, memory store)',
    '',
    `RSS at start ${mib(memory.rssStartKb)} MiB; after ${fmt(memory.firstRequests)} requests ` +
      `${mib(memory.rssFirstKb)} MiB; after ${fmt(memory.totalRequests)} requests cycling through ` +
      `${fmt(memory.distinctTokens)} distinct tokens ${mib(memory.rssTotalKb)} MiB: ratio ` +
      `**${x(memory.ratio)}**; highest RSS of the run (VmHWM) ${mib(memory.rssPeakKb)} MiB` +
      (memory.non2xx > 0 ? ` (⚠ ${memory.non2xx} non-2xx responses)` : '') +
      '.',
    '',
  ];
}

function propagationSection(results: readonly PropagationResult[]): string[] {
  const out = [
    '## Revocation propagation (two instances, one shared store)',
    '',
    "Delay from instance A's answer to logout until instance B answers 401 `token_revoked`",
    '(B polled every 5 ms).',
    '',
    '| store | runs | min ms | median ms | max ms | timeouts (> 10 s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const name = r.store === 'redis' ? 'Redis' : 'PostgreSQL';
    out.push(
      `| ${name} | ${r.runs} | ${ms(r.minMs)} | ${ms(r.medianMs)} | ${ms(r.maxMs)} | ${r.timeouts} |`,
    );
  }
  out.push('');
  return out;
}
