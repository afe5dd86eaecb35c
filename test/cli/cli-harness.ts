import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository root, where `npm run build` runs and `dist/cli/main.js` lands. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Runs `npm run build` (incremental). The CLI suites run in parallel workers: a lock directory
 * makes their builds take turns instead of writing `dist/` at the same time.
 */
export async function buildOnce(): Promise<void> {
  const lock = join(
    tmpdir(),
    `nest-jwt-security-build-${createHash('sha1').update(ROOT).digest('hex')}.lock`,
  );
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      await sleep(250);
    }
  }
  try {
    await execFileAsync('npm', ['run', 'build'], { cwd: ROOT, timeout: 120_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so the CLI cannot be tested:\n${stdout}${stderr}`, {
      cause: error,
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What one run of the CLI printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args`, optionally feeding `input` on stdin. */
export function runCli(
  args: string[],
  options: { cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child: ChildProcess = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd ?? ROOT, timeout: 30_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        if (typeof code !== 'number') return fail(error);
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** The token was refused: exit 1, one `INVALID: <code>` line on stderr, nothing on stdout. */
export function expectInvalid(result: CliResult, code: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^INVALID: ${code}\\b`));
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

/** The command could not run: exit 2, one line on stderr matching `message`, nothing on stdout. */
export function expectUsageError(result: CliResult, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim()).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nest-jwt-security-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Seconds since the epoch. */
export const now = (): number => Math.floor(Date.now() / 1000);
