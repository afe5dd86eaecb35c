import { settings } from './config.js';
import { sleep } from './processes.js';
import { runWrk, type WrkRequest, type WrkResult } from './wrk.js';

/** One route measured on a server: its request (per run, so that cold runs move on). */
export interface Variant {
  key: string;
  request: () => WrkRequest;
  /** Pause after each measured run, in ms (default `settings.settleMs`). */
  settleMs?: number;
  /** Called after each run (warm-up included) with what it did. */
  after?: (result: WrkResult) => void;
}

/** The medians of the measured runs of one variant, and the runs themselves. */
export interface Measured {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  runs: WrkResult[];
}

/**
 * Measures every variant on one server process: a warm-up of each, then `rounds` rounds in
 * which every variant runs once, in order, then in reverse order on the next round. Medians over the
 * rounds, and ratios taken within each round (see `pairedRatio`), cancel most of the machine's
 * noise; every ratio compares runs of the same process.
 */
export async function measureSession(
  port: number,
  variants: readonly Variant[],
  log: (message: string) => void,
  { warmup = true, rounds = settings.rounds }: { warmup?: boolean; rounds?: number } = {},
): Promise<Record<string, Measured>> {
  for (const [index, variant] of variants.entries()) {
    const seconds = !warmup ? 0 : index === 0 ? settings.warmupFirst : settings.warmupEach;
    if (seconds > 0) variant.after?.(await runWrk(port, variant.request(), seconds));
  }
  const runs = new Map<string, WrkResult[]>(variants.map((v) => [v.key, []]));
  for (let round = 0; round < rounds; round++) {
    // Every other round runs the routes in reverse order (open, warm, cold, then cold, warm,
    // open): each route is as often first as last, so whatever favours a position (the first
    // run after a pause, the last one before a GC) weighs on both sides of a ratio alike.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const result = await runWrk(port, variant.request(), settings.duration);
      if (result.requests === 0) throw new Error(`${variant.key}: no request completed`);
      variant.after?.(result);
      // Requests still in flight when wrk stopped (slow ones: login hashes passwords) finish
      // before the next run starts, so that they do not weigh on it.
      await sleep(variant.settleMs ?? settings.settleMs);
      runs.get(variant.key)!.push(result);
      log(
        `    round ${round + 1} ${variant.key.padEnd(8)} ${fmt(result.rps).padStart(7)} req/s  ` +
          `p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms` +
          (result.non2xx > 0 ? `  NON-2XX ${result.non2xx}` : ''),
      );
    }
  }
  return Object.fromEntries([...runs].map(([key, list]) => [key, summarize(list)]));
}

function summarize(list: readonly WrkResult[]): Measured {
  return {
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p90: median(list.map((r) => r.p90)),
    p99: median(list.map((r) => r.p99)),
    requests: list.reduce((sum, r) => sum + r.requests, 0),
    non2xx: list.reduce((sum, r) => sum + r.non2xx, 0),
    socketErrors: list.reduce((sum, r) => sum + r.socketErrors, 0),
    runs: [...list],
  };
}

/**
 * The median over the rounds of `value(run) / value(open run)` for the runs of the same round,
 * measured within seconds of each other on the same process: slow drifts of the machine (another
 * process, CPU frequency, the GC's heap sizing) cancel out within a pair.
 */
export function pairedRatio(
  runs: readonly WrkResult[],
  open: readonly WrkResult[],
  value: (run: WrkResult) => number,
): number {
  const count = Math.min(runs.length, open.length);
  const ratios: number[] = [];
  for (let i = 0; i < count; i++) ratios.push(value(runs[i]!) / value(open[i]!));
  return median(ratios);
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function fmt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}
