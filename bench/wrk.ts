import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from './config.js';
import { exited, startChild } from './processes.js';

/** What one wrk run sends. */
export interface WrkRequest {
  path: string;
  headers?: Record<string, string>;
  /** A Lua script (see `writeLuaScripts`) and its arguments. */
  script?: string;
  args?: string[];
}

/** What one wrk run measured. Latencies in milliseconds. */
export interface WrkResult {
  rps: number;
  requests: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  non2xx: number;
  socketErrors: number;
}

/** The Lua scripts, written once into the run's temp dir. */
export interface LuaScripts {
  /** Cycles through a token file. Args: path, file, limit (0 = all), start offset. */
  cycle: string;
  /** Same, and stops after N responses. Args: path, file, limit, offset, N. */
  counted: string;
  /** POST /api/auth/jwt/login as user1 (JSON). */
  login: string;
  /** Paced: each connection waits ARG[1] ms before each request (headers from -H). */
  paced: string;
  /** `cycle`, paced: args path, file, limit, offset, 0, pause in ms. */
  pacedCycle: string;
}

const CYCLE = `
local tokens, n, i, path, stopAfter, seen = {}, 0, 0, '/', 0, 0
function init(args)
  path = args[1]
  local limit = tonumber(args[3]) or 0
  for line in io.lines(args[2]) do
    if line ~= '' then
      n = n + 1
      tokens[n] = 'Bearer ' .. line
      if limit > 0 and n >= limit then break end
    end
  end
  i = (tonumber(args[4]) or 0) % n
  stopAfter = tonumber(args[5]) or 0
end
function request()
  i = i % n + 1
  return wrk.format('GET', path, { Authorization = tokens[i] })
end
`;

const COUNTER = `
function response(status, headers, body)
  seen = seen + 1
  if seen == stopAfter then wrk.thread:stop() end
end
`;

const LOGIN = `
wrk.method = 'POST'
wrk.body = '{"login":"user1","password":"passwd"}'
wrk.headers['Content-Type'] = 'application/json'
`;

/**
 * A fixed offered load: each of the connections pauses before each request, so the rate is
 * about connections / (pause + latency), the same for every route as long as the server keeps
 * up (latency well under the pause).
 */
const PACED = `
local pause = 10
function init(args) pause = tonumber(args[1]) or 10 end
function delay() return pause end
`;

const PACE_CYCLE = `
local cycleInit = init
function init(args)
  cycleInit(args)
  pace = tonumber(args[6]) or 10
end
function delay() return pace end
`;

export function writeLuaScripts(dir: string): LuaScripts {
  const scripts = {
    cycle: join(dir, 'cycle.lua'),
    counted: join(dir, 'cycle-counted.lua'),
    login: join(dir, 'login.lua'),
    paced: join(dir, 'paced.lua'),
    pacedCycle: join(dir, 'paced-cycle.lua'),
  };
  writeFileSync(scripts.cycle, CYCLE);
  writeFileSync(scripts.counted, CYCLE + COUNTER);
  writeFileSync(scripts.login, LOGIN);
  writeFileSync(scripts.paced, PACED);
  writeFileSync(scripts.pacedCycle, CYCLE + PACE_CYCLE);
  return scripts;
}

/** Fails early with an explanation when wrk is missing. */
export function checkWrk(): void {
  if (spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error) {
    throw new Error('wrk not found: install it (Debian: apt-get install -y wrk)');
  }
}

/** Runs wrk (1 thread, 32 connections, --latency) on core 1 against 127.0.0.1:port. */
export async function runWrk(
  port: number,
  request: WrkRequest,
  seconds: number,
): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${settings.connections}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '10s',
  ];
  for (const [name, value] of Object.entries(request.headers ?? {}))
    args.push('-H', `${name}: ${value}`);
  if (request.script) args.push('-s', request.script);
  args.push(`http://127.0.0.1:${port}${request.path}`);
  if (request.args?.length) args.push('--', ...request.args);
  const { child, lines } = startChild('wrk', args, { core: 1, keepLines: 400 });
  const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
  const code = await exited(child);
  clearTimeout(timer);
  const output = lines.join('\n');
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${output}`);
  return parseWrk(output);
}

/** Parses wrk's report (with --latency). */
function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)/.exec(output);
  if (!rps || !total) throw new Error(`unreadable wrk output:\n${output}`);
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)`, 'm').exec(output);
    return match ? toMs(Number(match[1]), match[2]!) : Number.NaN;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    seconds: toMs(Number(total[2]), total[3]!) / 1000,
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function toMs(value: number, unit: string): number {
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return value * (factor[unit] ?? Number.NaN);
}
