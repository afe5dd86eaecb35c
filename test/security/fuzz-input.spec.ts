import fc from 'fast-check';
import { parseLoginBody } from '../../lib/controllers/login.dto.js';
import { JwtSecurityError } from '../../lib/errors/jwt-security.errors.js';
import { requestCookies } from '../../lib/internal/cookies.js';
import type { HttpRequestLike } from '../../lib/internal/http.js';
import { decodeSegment } from '../../lib/internal/token-codec.js';
import { TokenExtractor } from '../../lib/internal/token-extractor.js';
import { WS_HANDSHAKE, wsToken } from '../../lib/internal/ws-handshake.js';
import { JwtTokenService } from '../../lib/services/jwt-token.service.js';
import { SECRET } from '../utils/keys.js';
import { tokenModule, type TokenModule } from '../utils/token-module.js';

/**
 * Runs `fn`; a thrown value must be a `JwtSecurityError` with a 4xx status (and `code`), which is
 * returned. Anything else thrown fails the property.
 */
function outcome<T>(fn: () => T): T | JwtSecurityError {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof JwtSecurityError)) throw error;
    if (error.statusCode < 400 || error.statusCode > 499 || typeof error.code !== 'string') {
      throw new Error(`JwtSecurityError outside 4xx: ${error.statusCode} ${error.code}`, {
        cause: error,
      });
    }
    return error;
  }
}

const WHITESPACE = /\s/;
/**
 * The whitespace a header token may not hold: the fast path refuses spaces and tabs, the only
 * whitespace HTTP parsers let through in ASCII; anything else (e.g. U+00A0 from obs-text) is no
 * compact JWS and the verifier refuses it as token_malformed.
 */
const SPACE_OR_TAB = /[ \t]/;

/** What a token reader gives: nothing, one non-empty token without `whitespace`, or token_malformed. */
function expectTokenOrMalformed(
  result: string | undefined | JwtSecurityError,
  whitespace: RegExp,
): void {
  if (result instanceof JwtSecurityError) {
    expect([result.code, result.statusCode]).toEqual(['token_malformed', 401]);
  } else if (result !== undefined) {
    expect(typeof result).toBe('string');
    expect(result.length).toBeGreaterThan(0);
    expect(whitespace.test(result)).toBe(false);
  }
}

/** Strings of any code point, lone surrogates included. */
const anyString = fc.string({ unit: 'binary', maxLength: 200 });
/** Header values as HTTP frameworks hand them over: a string, several, or nothing. */
const headerValue = fc.oneof(
  anyString,
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', '', 'Bearer\t', 'JWT'),
      fc.constantFrom(' ', '  ', '\t', '', ' \t '),
      anyString,
    )
    .map(([scheme, space, rest]) => `${scheme}${space}${rest}`),
  fc.array(anyString, { maxLength: 3 }),
  fc.constant(undefined),
);

describe('fuzz: TokenExtractor', () => {
  const extractors = [
    ['Authorization + Bearer', new TokenExtractor('Bearer', 'Authorization')],
    ['Authorization + JWT', new TokenExtractor('JWT', 'Authorization')],
    ['X-Token (bare token)', new TokenExtractor('Bearer', 'X-Token')],
  ] as const;

  it.each(extractors)(
    '%s: any header value gives undefined, one token, or token_malformed',
    (_name, extractor) => {
      const header = extractor === extractors[2][1] ? 'x-token' : 'authorization';
      fc.assert(
        fc.property(headerValue, (value) => {
          const result = outcome(() => extractor.extract({ headers: { [header]: value } }));
          expectTokenOrMalformed(result, SPACE_OR_TAB);
        }),
        { numRuns: 1500 },
      );
    },
  );

  it('reads back any whitespace-free token after the scheme, in any case', () => {
    const extractor = extractors[0][1];
    fc.assert(
      fc.property(
        anyString.filter((s) => s.length > 0 && !WHITESPACE.test(s)),
        fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'),
        fc.constantFrom(' ', '  ', '\t'),
        (token, scheme, space) => {
          expect(
            extractor.extract({ headers: { authorization: `${scheme}${space}${token}` } }),
          ).toBe(token);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('survives requests without headers and headers of any JS type', () => {
    const extractor = extractors[0][1];
    fc.assert(
      fc.property(fc.anything(), (value) => {
        outcome(() => extractor.extract({ headers: { authorization: value as string } }));
      }),
      { numRuns: 500 },
    );
    expect(extractor.extract({} as never)).toBeUndefined();
  });
});

/** Cookie headers as a browser or an attacker writes them: names ours or not, values anything. */
const cookieName = fc.oneof(
  fc.constantFrom('access_token', 'refresh_token', 'csrf_access_token', '__proto__', 'constructor'),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
);
const cookieValue = fc.oneof(
  anyString,
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  fc.stringMatching(/^[A-Za-z0-9._%"=-]{0,120}$/),
);
const cookieHeader = fc.oneof(
  fc
    .array(fc.tuple(cookieName, cookieValue), { maxLength: 6 })
    .chain((pairs) =>
      fc
        .constantFrom('; ', ';', ' ; ', ',')
        .map((separator) => pairs.map(([n, v]) => `${n}=${v}`).join(separator)),
    ),
  anyString,
  fc.array(anyString, { maxLength: 3 }),
  fc.constant(undefined),
);
/** What a cookie middleware may leave in `req.cookies`: usually strings, sometimes not. */
const middlewareCookies = fc.oneof(
  fc.dictionary(cookieName, fc.oneof(cookieValue, fc.anything()), { maxKeys: 5 }),
  fc.anything(),
);

describe('fuzz: cookies (cookie mode)', () => {
  const extractors = [
    ["['cookie']", new TokenExtractor('Bearer', 'Authorization', ['cookie'])],
    ["['header', 'cookie']", new TokenExtractor('Bearer', 'Authorization', ['header', 'cookie'])],
  ] as const;

  it('requestCookies never throws and returns an object, for any Cookie header', () => {
    fc.assert(
      fc.property(cookieHeader, (header) => {
        const cookies = requestCookies({ headers: { cookie: header as string } });
        expect(typeof cookies).toBe('object');
        expect(cookies).not.toBeNull();
      }),
      { numRuns: 1500 },
    );
  });

  it.each(extractors)(
    '%s: any Cookie header or req.cookies gives undefined, one token, or token_malformed',
    (_name, extractor) => {
      fc.assert(
        fc.property(
          cookieHeader,
          fc.option(middlewareCookies, { nil: undefined }),
          fc.constantFrom<'access' | 'refresh' | undefined>('access', 'refresh', undefined),
          (header, cookies, expect_) => {
            const request: HttpRequestLike = { headers: { cookie: header as string } };
            if (cookies !== undefined) request.cookies = cookies;
            expectTokenOrMalformed(
              outcome(() => extractor.extract(request, expect_)),
              WHITESPACE,
            );
          },
        ),
        { numRuns: 1500 },
      );
    },
  );

  it('reads back any whitespace-free cookie token, percent-encoded or not', () => {
    const extractor = extractors[0][1];
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,200}$/), fc.boolean(), (token, encode) => {
        const value = encode ? encodeURIComponent(token) : token;
        const request: HttpRequestLike = {
          headers: { cookie: `other=1; access_token=${value}; refresh_token=r` },
        };
        expect(extractor.extract(request, 'access')).toBe(token);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: WebSocket handshake tokens', () => {
  const extractor = new TokenExtractor('Bearer', 'Authorization');
  const tokenField = fc.oneof(headerValue, fc.anything(), fc.array(anyString, { maxLength: 3 }));
  const handshake = fc.record(
    {
      headers: fc.oneof(
        fc.record({ authorization: headerValue }, { requiredKeys: [] }),
        fc.anything(),
      ),
      auth: fc.oneof(fc.record({ token: tokenField }, { requiredKeys: [] }), fc.anything()),
      query: fc.oneof(fc.record({ token: tokenField }, { requiredKeys: [] }), fc.anything()),
    },
    { requiredKeys: [] },
  );
  /** socket.io clients (`handshake`), ws clients (`attachUpgradeRequest`), or anything. */
  const client = fc.oneof(
    handshake.map((h) => ({ handshake: h })),
    handshake.map((h) => Object.defineProperty({}, WS_HANDSHAKE, { value: h })),
    fc.anything(),
  );

  it('wsToken gives undefined, one token, or token_malformed for any client', () => {
    fc.assert(
      fc.property(client, (c) => {
        expectTokenOrMalformed(
          outcome(() => wsToken(c, extractor)),
          SPACE_OR_TAB,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('fromValue gives undefined, one token, or token_malformed for any value', () => {
    fc.assert(
      fc.property(fc.oneof(tokenField, fc.anything()), (value) => {
        expectTokenOrMalformed(
          outcome(() => extractor.fromValue(value)),
          WHITESPACE,
        );
      }),
      { numRuns: 1500 },
    );
  });

  it('reads back a bare or Bearer token from auth.token and ?token=', () => {
    fc.assert(
      fc.property(
        anyString.filter((s) => s.length > 0 && !WHITESPACE.test(s)),
        fc.boolean(),
        fc.constantFrom('auth', 'query'),
        (token, withScheme, where) => {
          const value = withScheme ? `Bearer ${token}` : token;
          const handshake = { headers: {}, [where]: { token: value } };
          expect(wsToken({ handshake }, extractor)).toBe(token);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: decoders', () => {
  let module: TokenModule;
  let tokens: JwtTokenService;
  beforeAll(async () => {
    module = await tokenModule({ algorithm: 'HS256', secret: SECRET });
    tokens = module.tokens;
  });
  afterAll(() => module.close());

  /** base64url of JSON of any value, or of any string, or raw random characters. */
  const segmentArb = fc.oneof(
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
    anyString.map((s) => Buffer.from(s, 'utf8').toString('base64url')),
    anyString,
  );

  it('decodeSegment never throws and returns a plain object or undefined', () => {
    fc.assert(
      fc.property(segmentArb, (segment) => {
        const value = decodeSegment(segment);
        if (value !== undefined) {
          expect(typeof value).toBe('object');
          expect(value).not.toBeNull();
          expect(Array.isArray(value)).toBe(false);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('JwtTokenService.decode never throws, for any string or any value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(segmentArb, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
          anyString,
          fc.anything(),
        ),
        (token) => {
          const decoded = tokens.decode(token as string);
          if (decoded !== undefined) {
            expect(typeof decoded.header).toBe('object');
            expect(typeof decoded.claims).toBe('object');
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('fuzz: parseLoginBody', () => {
  const MARK = 'Pw-9f3c1b7e-';
  /** Passwords carry a mark, so that an echo in a message cannot be a coincidence. */
  const password = fc.string({ maxLength: 40 }).map((s) => `${MARK}${s}`);
  const field = (valid: fc.Arbitrary<unknown>) =>
    fc.oneof(valid, fc.anything(), fc.string({ maxLength: 300 }), fc.constant(''));
  const body = fc.oneof(
    fc.anything(),
    fc.record(
      {
        login: field(fc.string({ minLength: 1, maxLength: 20 })),
        password: field(password),
        claims: fc.oneof(fc.jsonValue(), fc.string(), fc.anything(), fc.json()),
      },
      { requiredKeys: [] },
    ),
  );

  it('returns a valid LoginDto or throws invalid_request (400), never echoing the password', () => {
    fc.assert(
      fc.property(body, (input) => {
        const result = outcome(() => parseLoginBody(input));
        if (result instanceof JwtSecurityError) {
          expect([result.code, result.statusCode]).toEqual(['invalid_request', 400]);
          expect(result.message).not.toContain(MARK);
          expect(JSON.stringify(result)).not.toContain(MARK);
          return;
        }
        expect(typeof result.login).toBe('string');
        expect(result.login.length).toBeGreaterThanOrEqual(1);
        expect(result.login.length).toBeLessThanOrEqual(256);
        expect(typeof result.password).toBe('string');
        expect(result.password.length).toBeGreaterThanOrEqual(1);
        expect(result.password.length).toBeLessThanOrEqual(1024);
        if (result.claims !== undefined) {
          expect(typeof result.claims).toBe('object');
          expect(result.claims).not.toBeNull();
          expect(Array.isArray(result.claims)).toBe(false);
        }
      }),
      {
        numRuns: 2000,
        // Always tried first: claims that JSON-parse to null (JSON body and form body).
        examples: [
          [{ login: 'user1', password: `${MARK}x`, claims: null }],
          [{ login: 'user1', password: `${MARK}x`, claims: 'null' }],
        ],
      },
    );
  });

  it('accepts every well-formed body (no false refusal)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 256 }),
        fc.string({ minLength: 1, maxLength: 1024 }),
        fc.option(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), { nil: undefined }),
        fc.boolean(),
        (login, pass, claims, asForm) => {
          const input: Record<string, unknown> = { login, password: pass };
          if (claims !== undefined) input.claims = asForm ? JSON.stringify(claims) : claims;
          const dto = parseLoginBody(input);
          expect([dto.login, dto.password]).toEqual([login, pass]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
