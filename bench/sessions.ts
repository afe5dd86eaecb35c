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
  /**
   * For each run of a route other than the reference (the first variant, the open route): the
   * index k of the reference's run just before it; the one just after it is k + 1.
   */
  bracket?: number[];
}

/**
 * Measures every variant on one server process: a warm-up of each, then `rounds` rounds in
 * which every other variant runs once, each between two runs of the first (the reference: the
 * open route), in order, then in reverse order on the next round:
 * `open A open B open | B open A open | ...`. Each run of A is then compared with the open runs
 * on both sides of it (see `pairedRatio`): a drift of the machine during the few seconds around
 * it weighs on both sides of the ratio alike.
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
  const [reference, ...others] = variants;
  if (!reference || others.length === 0) throw new Error('measureSession: no route to compare');
  const runs = new Map<string, WrkResult[]>(variants.map((v) => [v.key, []]));
  const brackets = new Map<string, number[]>(others.map((v) => [v.key, []]));
  const measure = async (variant: Variant, round: number): Promise<WrkResult> => {
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
    return result;
  };
  await measure(reference, 0);
  for (let round = 0; round < rounds; round++) {
    // Every other round runs the routes in reverse order: with an even number of rounds, each
    // route follows each other one as often as it precedes it (nearly, with an odd one).
    const order = round % 2 === 0 ? others : [...others].reverse();
    for (const variant of order) {
      brackets.get(variant.key)!.push(runs.get(reference.key)!.length - 1);
      await measure(variant, round);
      await measure(reference, round);
    }
  }
  return Object.fromEntries(
    [...runs].map(([key, list]) => [key, summarize(list, brackets.get(key))]),
  );
}

function summarize(list: readonly WrkResult[], bracket?: number[]): Measured {
  return {
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p90: median(list.map((r) => r.p90)),
    p99: median(list.map((r) => r.p99)),
    requests: list.reduce((sum, r) => sum + r.requests, 0),
    non2xx: list.reduce((sum, r) => sum + r.non2xx, 0),
    socketErrors: list.reduce((sum, r) => sum + r.socketErrors, 0),
    runs: [...list],
    ...(bracket && { bracket }),
  };
}

/**
 * The median over the runs of `value(run) / value(open)`, where `open` is the geometric mean of
 * the open route's runs just before and just after that run, in the same process, within
 * seconds: slow drifts of the machine (another process, CPU frequency, the GC's heap sizing)
 * cancel out. The open route compared with itself is 1.
 */
export function pairedRatio(
  measured: Measured,
  open: Measured,
  value: (run: WrkResult) => number,
): number {
  const bracket = measured.bracket;
  if (!bracket) return 1;
  const ratios = measured.runs.map((run, i) => {
    const k = bracket[i]!;
    return value(run) / Math.sqrt(value(open.runs[k]!) * value(open.runs[k + 1]!));
  });
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
