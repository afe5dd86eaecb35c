#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './cli-support.js';

const PROGRAM = 'nest-jwt-security';

const USAGE = `Usage: ${PROGRAM} <command> [options]

Commands:
  keygen    generate a signing key pair (PEM) or an HMAC secret for JwtSecurityModule
  inspect   show a token's header and claims, UNVERIFIED
  verify    verify a token with a key file, a JWKS URL or a secret file

Run "${PROGRAM} <command> --help" for a command's options.
Exit codes: 0 success, 1 invalid token, 2 usage error.`;

type Command = (args: string[]) => Promise<number>;

/** Commands load lazily, so `keygen` never loads what `verify` needs. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  keygen: async () => (await import('./keygen.command.js')).runKeygen,
  inspect: async () => (await import('./inspect.command.js')).runInspect,
  verify: async () => (await import('./verify.command.js')).runVerify,
};

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? console.error : console.log)(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    console.error(`error: unknown command "${name}"; run "${PROGRAM} --help"`);
    return EXIT.usage;
  }
  try {
    return await (
      await load()
    )(args);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const hint = error.showHelpHint ? ` (see "${PROGRAM} ${name} --help")` : '';
    console.error(`error: ${error.message}${hint}`);
    return error.exitCode;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `error: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = EXIT.usage;
  },
);
