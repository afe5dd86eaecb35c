import fc from 'fast-check';
import { JwtSecurityError } from '../../lib/errors/jwt-security.errors.js';
import type { JwtAlgorithm } from '../../lib/interfaces/jwt-security-options.interface.js';
import { RESERVED_CLAIMS } from '../../lib/jwt-security.constants.js';
import { hasClaimShapes, type TokenCodec } from '../../lib/internal/token-codec.js';
import { codecFor, type CodecSetup } from '../utils/codec.js';
import {
  b64,
  claims,
  forge,
  keyPair,
  SECRET,
  segment,
  signingOptions,
  signSegments,
} from '../utils/keys.js';
import { tokenModule, type TokenModule } from '../utils/token-module.js';

const ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const satisfies readonly JwtAlgorithm[];

/** The error `fn` throws: it must be a `JwtSecurityError` with a 4xx status. */
function refusal(fn: () => unknown): JwtSecurityError {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof JwtSecurityError)) throw error;
    if (error.statusCode < 400 || error.statusCode > 499) {
      throw new Error(`JwtSecurityError outside 4xx: ${error.statusCode} ${error.code}`, {
        cause: error,
      });
    }
    return error;
  }
  throw new Error('verified, but must have been refused');
}

async function refusalAsync(promise: Promise<unknown>): Promise<JwtSecurityError> {
  return promise.then(
    () => {
      throw new Error('verified, but must have been refused');
    },
    (error: unknown) =>
      refusal(() => {
        throw error;
      }),
  );
}

const anyString = fc.string({ unit: 'binary', maxLength: 300 });
const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}$/);

/** Headers as an attacker writes them: our algorithm or another, our kid or not, extras. */
function headerArb(setup: CodecSetup): fc.Arbitrary<Record<string, unknown>> {
  const kid = setup.ring.signing!.kid;
  return fc.record(
    {
      alg: fc.oneof(fc.constantFrom('HS256', 'RS256', 'ES256', 'none', 'None', ''), fc.jsonValue()),
      typ: fc.oneof(fc.constant('JWT'), fc.jsonValue()),
      kid: fc.oneof(fc.constant(kid), anyString, fc.jsonValue()),
      crit: fc.jsonValue(),
      b64: fc.boolean(),
      jku: fc.webUrl(),
      jwk: fc.jsonValue(),
    },
    { requiredKeys: ['alg'] },
  );
}

/** Claims close to ours, with any value anywhere. */
const claimsArb = fc.record(
  {
    sub: fc.oneof(fc.constant('users:user1'), fc.jsonValue()),
    exp: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 600), fc.jsonValue()),
    jti: fc.oneof(fc.constant('jti'), fc.jsonValue()),
    sid: fc.oneof(fc.constant('sid'), fc.jsonValue()),
    obj: fc.oneof(fc.constantFrom('access', 'refresh'), fc.jsonValue()),
    iat: fc.jsonValue(),
    nbf: fc.jsonValue(),
    fresh: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe.each(ALGORITHMS)('fuzz: TokenCodec.verify (%s)', (alg) => {
  let setup: CodecSetup;
  let codec: TokenCodec;
  beforeAll(async () => {
    setup = await codecFor(alg, { cacheSize: 0 });
    codec = setup.codec;
  });

  it('refuses any string with a 4xx JwtSecurityError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyString,
          fc.array(base64url, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
        ),
        (token) => {
          refusal(() => codec.verify(token));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('refuses any header and claims under a random or missing signature', () => {
    fc.assert(
      fc.property(headerArb(setup), claimsArb, base64url, (header, payload, signature) => {
        refusal(() => codec.verify(`${segment(header)}.${segment(payload)}.${signature}`));
      }),
      { numRuns: 300 },
    );
  });

  it('signed by the real key, any claims either verify with the claims contract or are refused', () => {
    const kid = setup.ring.signing!.kid;
    const key = alg === 'HS256' ? SECRET : keyPair(alg === 'RS256' ? 'rsa' : 'p256').privateKey;
    fc.assert(
      fc.property(claimsArb, (payload) => {
        const token = signSegments(segment({ alg, typ: 'JWT', kid }), segment(payload), alg, key);
        try {
          const { claims: verified } = codec.verify(token);
          expect(hasClaimShapes(verified, true)).toBe(true);
          expect(verified.exp * 1000).toBeGreaterThanOrEqual(Date.now());
        } catch (error) {
          refusal(() => {
            throw error;
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Whether two tokens differ only in how their signature segments encode the same bytes. */
function sameBytes(a: string, b: string): boolean {
  const [ha, pa, sa] = a.split('.');
  const [hb, pb, sb, ...rest] = b.split('.');
  return (
    rest.length === 0 &&
    ha === hb &&
    pa === pb &&
    sb !== undefined &&
    /^[A-Za-z0-9_-]*$/.test(sb) &&
    Buffer.from(sa!, 'base64url').equals(Buffer.from(sb, 'base64url'))
  );
}

describe.each(ALGORITHMS)('fuzz: single-byte mutations of a valid token (%s)', (alg) => {
  let codec: TokenCodec;
  let token: string;
  beforeAll(async () => {
    ({ codec } = await codecFor(alg, { cacheSize: 0 }));
    token = codec.encode(claims() as never);
    codec.verify(token);
  });

  /** Verifies `mutated`: refused, unless it encodes the very same bytes as the original. */
  function check(mutated: string): 'refused' | 'same bytes' {
    if (sameBytes(token, mutated)) {
      try {
        expect(codec.verify(mutated).claims).toEqual(codec.verify(token).claims);
      } catch (error) {
        refusal(() => {
          throw error;
        });
      }
      return 'same bytes';
    }
    const { code } = refusal(() => codec.verify(mutated));
    if (code !== 'token_invalid' && code !== 'token_malformed')
      throw new Error(`refused as ${code}`);
    return 'refused';
  }

  it('every position, replaced by each of a few characters, is refused', () => {
    const replacements = ['A', 'g', '_', '.', '=', ' ', '\u00e9'];
    let sameBytesCount = 0;
    for (let i = 0; i < token.length; i++) {
      for (const c of replacements) {
        if (token[i] === c) continue;
        if (check(`${token.slice(0, i)}${c}${token.slice(i + 1)}`) === 'same bytes')
          sameBytesCount++;
      }
    }
    // Only the last signature character can carry unused bits (RFC 4648 §3.5).
    const signature = token.slice(token.lastIndexOf('.') + 1);
    expect(sameBytesCount).toBeLessThanOrEqual(
      signature.length % 4 === 0 ? 0 : replacements.length,
    );
  });

  it('any byte at any position is refused (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const i = at % token.length;
        const c = String.fromCharCode(byte);
        fc.pre(token[i] !== c);
        check(`${token.slice(0, i)}${c}${token.slice(i + 1)}`);
      }),
      { numRuns: 600 },
    );
  });

  it('dropping or inserting one character is refused', () => {
    for (let i = 0; i < token.length; i++) {
      check(token.slice(0, i) + token.slice(i + 1));
      check(`${token.slice(0, i)}A${token.slice(i)}`);
    }
  });
});

/**
 * Lets the event loop turn: the revocation view syncs on a timer and fails closed (503) when
 * stale, and a property of resolved promises alone would never let that timer run.
 */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const claimName = fc.oneof(fc.constantFrom(...RESERVED_CLAIMS, 'scope', 'role'), fc.string());
const customClaims = fc.dictionary(claimName, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });

/**
 * `verify(issue(claims))` round-trips custom claims and never lets them override reserved ones,
 * for `numRuns` random subjects and claim sets.
 */
async function roundTrip(module: TokenModule, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ minLength: 1, maxLength: 40 }),
      customClaims,
      fc.boolean(),
      async (sub, custom, fresh) => {
        await turn();
        const pair = module.tokens.issue({ sub, claims: custom, fresh });
        const access = await module.tokens.verify(pair.accessToken);
        const refresh = await module.tokens.verify(pair.refreshToken!, { expect: 'refresh' });
        const expected: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(custom)) {
          if (!RESERVED_CLAIMS.has(name)) expected[name] = JSON.parse(JSON.stringify(value));
        }
        for (const [verified, obj] of [
          [access.claims, 'access'],
          [refresh.claims, 'refresh'],
        ] as const) {
          const { sub: s, iat, exp, jti, sid, obj: o, aud, iss, fresh: f, ...rest } = verified;
          expect(rest).toEqual(expected);
          expect({ s, o, aud, iss }).toEqual({
            s: sub,
            o: obj,
            aud: 'fuzz-api',
            iss: 'https://fuzz.test',
          });
          expect([typeof iat, typeof exp, typeof jti, typeof sid]).toEqual([
            'number',
            'number',
            'string',
            'string',
          ]);
          expect(f).toBe(obj === 'access' && fresh ? true : undefined);
        }
        expect(access.claims.sid).toBe(refresh.claims.sid);
        expect(access.claims.jti).not.toBe(refresh.claims.jti);
      },
    ),
    { numRuns },
  );
}

const FUZZ_TOKENS = { audience: 'fuzz-api', issuer: 'https://fuzz.test', maxTokenSize: 65_536 };

describe.each([
  ['RS256', 100],
  ['ES256', 100],
] as const)('fuzz: JwtTokenService round trip (%s)', (alg, numRuns) => {
  let module: TokenModule;
  beforeAll(async () => {
    module = await tokenModule({ ...signingOptions(alg), ...FUZZ_TOKENS });
  });
  afterAll(() => module.close());

  it(`verify(issue(claims)) round-trips custom claims (${numRuns} runs)`, async () => {
    await roundTrip(module, numRuns);
  });
});

describe('fuzz: JwtTokenService round trip and refusals', () => {
  let module: TokenModule;
  beforeAll(async () => {
    module = await tokenModule({ algorithm: 'HS256', secret: SECRET, ...FUZZ_TOKENS });
  });
  afterAll(() => module.close());

  it('verify(issue(claims)) round-trips custom claims and never lets them override reserved ones', async () => {
    await roundTrip(module, 150);
  });

  it('verify rejects anything else with a 4xx JwtSecurityError', async () => {
    const pair = module.tokens.issue({ sub: 'users:user1' });
    const [header, payload] = pair.accessToken.split('.');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyString,
          claimsArb.map((c) => `${header}.${segment(c)}.${pair.accessToken.split('.')[2]}`),
          base64url.map((signature) => `${header}.${payload}.${signature}`),
          fc.jsonValue().map((v) => `${header}.${b64(JSON.stringify(v) ?? '')}.`),
        ),
        async (token) => {
          await turn();
          fc.pre(token !== pair.accessToken);
          await refusalAsync(module.tokens.verify(token));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('forged tokens of another key are refused whatever the claims', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, async (payload) => {
        await turn();
        const token = forge({ alg: 'HS256', typ: 'JWT' }, payload, `${SECRET}-other`);
        await refusalAsync(module.tokens.verify(token, { expect: undefined }));
      }),
      { numRuns: 200 },
    );
  });
});
