import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { JwtAlgorithm } from '../interfaces/jwt-security-options.interface.js';
import { ALGORITHMS } from '../internal/algorithms.js';

/** Exit codes of every command. */
export const EXIT = {
  /** The command did what was asked (the token is valid, the key was written...). */
  ok: 0,
  /** The token is invalid, malformed or failed verification. */
  invalid: 1,
  /** Bad arguments, or the command could not run (unreadable key, unreachable JWKS...). */
  usage: 2,
} as const;

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    /** Whether to point at the command's `--help`. */
    readonly showHelpHint = false,
  ) {
    super(message);
  }
}

/** A usage error: exit 2, with a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage, true);
  }
}

/** `parseArgs` in strict mode, its errors turned into usage errors. */
export function parseCommand<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ allowPositionals: true, strict: true, ...config });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      // Some parseArgs messages span lines: the CLI reports one.
      throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
    }
    throw error;
  }
}

/** The one positional argument a command takes, or a usage error. */
export function onePositional(positionals: readonly string[], name: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${name}`);
  if (positionals.length > 1)
    throw new UsageError(`expected one ${name}, got ${positionals.length} arguments`);
  return positionals[0]!;
}

/** A supported JWS algorithm name (case-sensitive, as in a JWT header), or a usage error. */
export function parseAlgorithm(value: string): JwtAlgorithm {
  if (!(ALGORITHMS as readonly string[]).includes(value)) {
    throw new UsageError(`unsupported algorithm "${value}": use one of ${ALGORITHMS.join(', ')}`);
  }
  return value as JwtAlgorithm;
}

/** A non-negative integer option, or a usage error. */
export function parseInteger(value: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** The token given as an argument, or read from stdin when the argument is `-`. */
export async function readToken(argument: string): Promise<string> {
  if (argument !== '-') return argument.trim();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks).toString('utf8').trim();
  if (token === '') throw new UsageError('no token on standard input');
  return token;
}

/** The text of a file the user named, or an error naming the file (never its content). */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new CliError(`cannot read ${what} "${path}" (${code})`);
  }
}

/** Pretty JSON, as printed by every command. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
