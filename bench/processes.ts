import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus } from 'node:os';

/** Every child process started by the harness, until it exits. */
const live = new Set<ChildProcess>();
/** Children whose output streams have closed (after exit). */
const closed = new WeakSet<ChildProcess>();
/** Work to do before exiting, whatever the reason (store clean-up, temp dir removal). */
const cleanups: Array<() => Promise<void> | void> = [];

/** Server on core 0, load generator on core 1, when `taskset` exists and there are 2+ cores. */
export const pinning = ((): { enabled: boolean; note: string } => {
  const taskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  if (!taskset) return { enabled: false, note: 'taskset not found: processes not pinned' };
  if (cpus().length < 2) return { enabled: false, note: 'one core only: processes not pinned' };
  return { enabled: true, note: 'server pinned to core 0, wrk to core 1 (taskset)' };
})();

/** The command line that runs `command` on `core` (or unpinned). */
export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return pinning.enabled ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** Starts a tracked child process; it is killed when the harness exits. */
export function startChild(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    core?: number;
    keepLines?: number;
    onLine?: (line: string) => void;
  } = {},
): { child: ChildProcess; lines: string[] } {
  const [cmd, argv] =
    options.core === undefined ? [command, args] : pinned(options.core, command, args);
  const child = spawn(cmd, argv, { env: options.env ?? process.env, stdio: 'pipe' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('close', () => closed.add(child));
  child.on('error', (error) => lines.push(`${command}: ${error.message}`));
  const lines: string[] = [];
  const keep = options.keepLines ?? 60;
  const collector = (): ((chunk: Buffer) => void) => {
    let partial = '';
    return (chunk) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        options.onLine?.(line);
        lines.push(line);
        if (lines.length > keep) lines.shift();
      }
    };
  };
  child.stdout?.on('data', collector());
  child.stderr?.on('data', collector());
  return { child, lines };
}

/** Resolves with the exit code once the child has exited and its output was read. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (closed.has(child)) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code: number | null) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** A server under test: a Nest app in a child process, listening on `port`. */
export interface Server {
  name: string;
  port: number;
  pid: number;
  lines: string[];
  stop(): Promise<void>;
}

/** Starts `node script` on core 0 with `env`, and waits until its port accepts connections. */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<Server> {
  const port = await freePort();
  const { child, lines } = startChild(process.execPath, [script], {
    core: 0,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
  });
  const server: Server = {
    name,
    port,
    pid: child.pid ?? -1,
    lines,
    stop: () => stopChild(child),
  };
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before listening:\n  ${lines.slice(-15).join('\n  ')}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} did not listen on ${port} within 30 s`);
    }
    await sleep(50);
  }
  return server;
}

/** Resident set size of a process in kB (/proc/<pid>/status VmRSS, or VmHWM: its peak). */
export function rssKb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Registers work to run on exit (normal, error or signal). */
export function onCleanup(task: () => Promise<void> | void): void {
  cleanups.push(task);
}

/** Kills every child, runs the clean-ups (bounded), once. */
let finished: Promise<void> | undefined;
export function finish(): Promise<void> {
  finished ??= (async () => {
    for (const child of live) child.kill('SIGTERM');
    const all = Promise.allSettled(cleanups.splice(0).map((task) => (async () => task())()));
    await Promise.race([all, sleep(10_000)]);
    for (const child of live) child.kill('SIGKILL');
  })();
  return finished;
}

let interrupted = false;
/** `true` once a signal asked the harness to stop (errors that follow are expected). */
export const isInterrupted = (): boolean => interrupted;

/** Kills the children on any exit; on SIGINT/SIGTERM/SIGHUP cleans up first. */
export function installExitHandlers(): void {
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping the servers and cleaning up`);
      void finish().finally(() => process.exit(130));
    });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
