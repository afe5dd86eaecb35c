import { decodeSegment } from '../internal/token-codec.js';
import { CliError, EXIT, json, onePositional, parseCommand, readToken } from './cli-support.js';

export const INSPECT_HELP = `Usage: nest-jwt-security inspect TOKEN

Prints the header and claims of a JWT WITHOUT verifying it: anyone can forge what this shows.
iat, nbf and exp are also shown as ISO dates, with whether exp is past. The signature is never
printed. Use "-" as TOKEN to read the token from standard input (keeps it out of shell history).

Exit codes: 0 decoded, 1 malformed token, 2 usage error.

Options:
  -h, --help    show this help`;

/** The banner every `inspect` output starts with. */
export const UNVERIFIED_BANNER =
  'UNVERIFIED: the signature was NOT checked; do not trust these values (use "verify")';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** `inspect`: decodes a token's header and claims, clearly marked unverified. */
export async function runInspect(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand({
    args,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(INSPECT_HELP);
    return EXIT.ok;
  }
  const token = await readToken(onePositional(positionals, 'TOKEN (or "-" to read it from stdin)'));
  const { header, claims } = decode(token);
  const lines = [UNVERIFIED_BANNER, '', 'Header:', json(header), '', 'Claims:', json(claims)];
  const times = (['iat', 'nbf', 'exp'] as const).filter((name) => claims[name] !== undefined);
  if (times.length > 0) {
    lines.push('', 'Times (UTC):');
    for (const name of times)
      lines.push(`  ${name}  ${describeTime(name, claims[name], Date.now())}`);
  }
  console.log(lines.join('\n'));
  return EXIT.ok;
}

function decode(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const parts = token.split('.');
  if (parts.length === 5) malformed('this is an encrypted JWE (5 segments), not a signed JWT');
  if (parts.length !== 3) malformed(`expected 3 dot-separated segments, got ${parts.length}`);
  const [headerPart, payloadPart] = parts as [string, string, string];
  const header = SEGMENT.test(headerPart) ? decodeSegment(headerPart) : undefined;
  if (header === undefined) malformed('the header is not a base64url-encoded JSON object');
  const claims = SEGMENT.test(payloadPart) ? decodeSegment(payloadPart) : undefined;
  if (claims === undefined) malformed('the payload is not a base64url-encoded JSON object');
  return { header, claims };
}

function malformed(reason: string): never {
  throw new CliError(`malformed token: ${reason}`, EXIT.invalid);
}

/** `2024-05-01T12:00:00.000Z`, plus whether and when `exp` passes or `nbf` starts. */
export function describeTime(name: string, value: unknown, now: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `${json(value)} (not a NumericDate)`;
  const date = new Date(value * 1000);
  if (Number.isNaN(date.getTime())) return `${value} (out of range)`;
  const delta = value * 1000 - now;
  let note = '';
  if (name === 'exp')
    note = delta <= 0 ? `EXPIRED ${span(-delta)} ago` : `not expired, ${span(delta)} left`;
  if (name === 'nbf' && delta > 0) note = `not valid before ${span(delta)} from now`;
  return note ? `${date.toISOString()}  (${note})` : date.toISOString();
}

/** `1d 2h`, `3m 4s`, `5s`: the two largest units of a duration. */
function span(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}
