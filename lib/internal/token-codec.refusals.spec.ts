import { codecFor, type CodecSetup } from '../../test/utils/codec.js';
import {
  claims,
  forge,
  keyPair,
  pem,
  SECRET,
  segment,
  signSegments,
} from '../../test/utils/keys.js';
import {
  JwtSecurityError,
  TokenInvalidError,
  TokenMalformedError,
} from '../errors/jwt-security.errors.js';
import { hasClaimShapes, isCanonicalSignature, MAX_NUMERIC_DATE } from './token-codec.js';

type ErrorClass = typeof TokenInvalidError | typeof TokenMalformedError;

/** Asserts that verifying `token` throws `expected`, with its code and a 401. */
function refused(setup: CodecSetup, token: string, expected: ErrorClass): void {
  let error: unknown;
  try {
    setup.codec.verify(token);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(expected);
  const { code, statusCode } = error as JwtSecurityError;
  expect({ code, statusCode }).toEqual({
    code: expected === TokenMalformedError ? 'token_malformed' : 'token_invalid',
    statusCode: 401,
  });
}

describe('TokenCodec refuses forbidden algorithms and keys', () => {
  let rs: CodecSetup;
  let hs: CodecSetup;
  let kid: string;

  beforeAll(async () => {
    rs = await codecFor('RS256');
    hs = await codecFor('HS256');
    kid = rs.ring.signing!.kid;
  });

  it.each(['none', 'None', 'NONE'])('alg %s without a signature', (alg) => {
    const token = `${segment({ alg, typ: 'JWT' })}.${segment(claims())}.`;
    refused(rs, token, TokenInvalidError);
    refused(hs, token, TokenInvalidError);
  });

  it('alg none with a signature', () => {
    const header = segment({ alg: 'none', typ: 'JWT', kid });
    const payload = segment(claims());
    refused(
      rs,
      signSegments(header, payload, 'RS256', keyPair('rsa').privateKey),
      TokenInvalidError,
    );
    refused(hs, signSegments(header, payload, 'HS256', SECRET), TokenInvalidError);
  });

  it.each(['RS384', 'RS512', 'PS256', 'PS512'])(
    'alg %s signed by the right RSA key when the key is RS256',
    (alg) => {
      const { privateKey } = keyPair('rsa');
      refused(rs, forge({ alg, typ: 'JWT', kid }, claims(), privateKey), TokenInvalidError);
      refused(rs, forge({ alg, typ: 'JWT' }, claims(), privateKey), TokenInvalidError);
    },
  );

  it('HS256 with the current secret when the kid names no key of that algorithm', () => {
    refused(rs, forge({ alg: 'HS256', typ: 'JWT', kid }, claims(), SECRET), TokenInvalidError);
  });

  it.each([
    ['SPKI', () => pem('rsa', 'public', 'spki')],
    ['PKCS#1', () => pem('rsa', 'public', 'pkcs1')],
  ])('HS256 keyed with the RSA public key %s PEM (algorithm confusion)', (_name, publicPem) => {
    const secret = publicPem();
    refused(rs, forge({ alg: 'HS256', typ: 'JWT', kid }, claims(), secret), TokenInvalidError);
    refused(rs, forge({ alg: 'HS256', typ: 'JWT' }, claims(), secret), TokenInvalidError);
  });

  it('an unknown kid', () => {
    refused(
      rs,
      forge({ alg: 'RS256', typ: 'JWT', kid: 'unknown' }, claims(), keyPair('rsa').privateKey),
      TokenInvalidError,
    );
    refused(
      hs,
      forge({ alg: 'HS256', typ: 'JWT', kid: 'unknown' }, claims(), SECRET),
      TokenInvalidError,
    );
  });

  it.each([42, null, ['a'], { kid: 'x' }, true])('a kid of the wrong type: %p', (badKid) => {
    refused(
      rs,
      forge({ alg: 'RS256', typ: 'JWT', kid: badKid }, claims(), keyPair('rsa').privateKey),
      TokenInvalidError,
    );
  });

  it('a bad signature: tampered payload, truncated or foreign signature', () => {
    const token = forge({ alg: 'RS256', typ: 'JWT', kid }, claims(), keyPair('rsa').privateKey);
    const [h, , s] = token.split('.');
    refused(rs, `${h}.${segment(claims({ sub: 'users:admin' }))}.${s}`, TokenInvalidError);
    refused(rs, token.slice(0, -10), TokenInvalidError);
    const foreign = forge(
      { alg: 'RS256', typ: 'JWT', kid },
      claims(),
      keyPair('rsa1024').privateKey,
    );
    refused(rs, foreign, TokenInvalidError);
  });
});

describe('TokenCodec refuses forbidden header parameters', () => {
  let hs: CodecSetup;
  beforeAll(async () => {
    hs = await codecFor('HS256');
  });

  it.each([
    ['an unknown extension', { crit: ['urn:example:ext'], 'urn:example:ext': 1 }],
    ['b64', { crit: ['b64'], b64: false }],
    ['a registered parameter', { crit: ['exp'] }],
    ['an empty list', { crit: [] }],
    ['a string', { crit: 'urn:example:ext' }],
  ])('crit naming %s', (_name, extra) => {
    refused(hs, forge({ alg: 'HS256', typ: 'JWT', ...extra }, claims(), SECRET), TokenInvalidError);
  });

  it.each([true, false])('a b64 header (%p) without crit', (b64) => {
    refused(hs, forge({ alg: 'HS256', typ: 'JWT', b64 }, claims(), SECRET), TokenInvalidError);
  });

  it.each(['at+jwt', 'JOSE', 'JWS', 123, ''])('typ %p', (typ) => {
    refused(hs, forge({ alg: 'HS256', typ }, claims(), SECRET), TokenInvalidError);
  });
});

describe('TokenCodec refuses malformed tokens', () => {
  let hs: CodecSetup;
  let good: string;
  beforeAll(async () => {
    hs = await codecFor('HS256', { maxTokenSize: 512 });
    good = forge({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET);
  });

  it('a token larger than maxTokenSize, even when validly signed', () => {
    const big = forge({ alg: 'HS256', typ: 'JWT' }, claims({ pad: 'x'.repeat(600) }), SECRET);
    expect(good.length).toBeLessThan(512);
    refused(hs, big, TokenMalformedError);
  });

  it('strings that are not three dot-separated parts', () => {
    const [h, p, s] = good.split('.') as [string, string, string];
    for (const token of [
      '',
      h,
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}.${s}.${s}`,
      '..',
      `.${p}.${s}`,
      `${h}..${s}`,
    ]) {
      refused(hs, token, TokenMalformedError);
    }
  });

  it.each(['+', '/', '=', ' ', '\n', '%', 'é'])(
    'a segment with the non-base64url character %p',
    (char) => {
      const [h, p, s] = good.split('.') as [string, string, string];
      refused(hs, `${h}${char}.${p}.${s}`, TokenMalformedError);
      refused(hs, `${h}.${p}${char}.${s}`, TokenMalformedError);
      refused(hs, `${h}.${p}.${s}${char}`, TokenMalformedError);
    },
  );

  it.each([
    ['not JSON', 'not json'],
    ['truncated JSON', '{"alg":"HS256"'],
    ['a JSON array', '["HS256"]'],
    ['a JSON string', '"HS256"'],
    ['a JSON number', '256'],
    ['JSON null', 'null'],
  ])('a header that is %s', (_name, raw) => {
    const token = signSegments(segment(raw, true), segment(claims()), 'HS256', SECRET);
    refused(hs, token, TokenMalformedError);
  });

  it.each([
    ['not JSON', 'not json'],
    ['truncated JSON', '{"sub":"users:user1"'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"users:user1"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
  ])('a validly signed payload that is %s', (_name, raw) => {
    const token = signSegments(
      segment({ alg: 'HS256', typ: 'JWT' }),
      segment(raw, true),
      'HS256',
      SECRET,
    );
    refused(hs, token, TokenMalformedError);
  });
});

describe('TokenCodec refuses claims of the wrong type', () => {
  let hs: CodecSetup;
  beforeAll(async () => {
    hs = await codecFor('HS256');
  });

  it.each([
    ['sub number', { sub: 42 }],
    ['sub empty', { sub: '' }],
    ['sub missing', { sub: undefined }],
    ['obj other', { obj: 'other' }],
    ['obj missing', { obj: undefined }],
    ['exp string', { exp: String(Math.floor(Date.now() / 1000) + 300) }],
    ['exp null', { exp: null }],
    ['jti number', { jti: 7 }],
    ['jti missing', { jti: undefined }],
    ['sid object', { sid: { id: 1 } }],
    ['iat string', { iat: 'now' }],
    ['nbf string', { nbf: '0' }],
    ['fresh string', { fresh: 'yes' }],
  ])('%s', (_name, overrides) => {
    refused(hs, forge({ alg: 'HS256', typ: 'JWT' }, claims(overrides), SECRET), TokenInvalidError);
  });
});

describe('TokenCodec bounds the NumericDate claims (RFC 7519 §2)', () => {
  const now = (): number => Math.floor(Date.now() / 1000);
  let hs: CodecSetup;
  let lenient: CodecSetup;
  beforeAll(async () => {
    hs = await codecFor('HS256', { cacheSize: 0 });
    lenient = await codecFor('HS256', { cacheSize: 0, leeway: 120 });
  });
  const token = (overrides: Record<string, unknown>): string =>
    forge({ alg: 'HS256', typ: 'JWT' }, claims(overrides), SECRET);

  it.each([
    ['exp huge (1e300)', { exp: 1e300 }],
    ['exp one second after year 9999', { exp: MAX_NUMERIC_DATE + 1 }],
    ['iat huge (1e300)', { iat: 1e300 }],
    ['iat negative', { iat: -1 }],
    ['iat a minute in the future', { iat: now() + 60 }],
    ['nbf negative', { nbf: -1 }],
  ])('%s → token_invalid', (_name, overrides) => {
    refused(hs, token(overrides), TokenInvalidError);
  });

  it('accepts the boundaries and fractions', () => {
    for (const overrides of [
      { exp: MAX_NUMERIC_DATE },
      { exp: now() + 60.25, iat: now() - 0.75 },
      { iat: 0, nbf: 0 },
      { iat: undefined },
    ]) {
      expect(hs.codec.verify(token(overrides)).claims.sub).toBe('users:user1');
    }
  });

  it('lets iat run ahead by the leeway, not more', () => {
    expect(lenient.codec.verify(token({ iat: now() + 60 })).claims.sub).toBe('users:user1');
    refused(lenient, token({ iat: now() + 180 }), TokenInvalidError);
  });

  it('hasClaimShapes alone (the proxy path) applies the bounds, and iat only when told', () => {
    const base = claims();
    expect(hasClaimShapes({ ...base, exp: 1e300 }, false)).toBe(false);
    expect(hasClaimShapes({ ...base, iat: -1 }, false)).toBe(false);
    expect(hasClaimShapes({ ...base, nbf: Infinity }, false)).toBe(false);
    expect(hasClaimShapes({ ...base, iat: now() + 60 }, false)).toBe(true);
    expect(hasClaimShapes({ ...base, iat: now() + 60 }, false, now())).toBe(false);
    expect(hasClaimShapes(base, false, now())).toBe(true);
  });
});

describe('isCanonicalSignature', () => {
  it('agrees with a base64url round trip for every length and last character', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let length = 1; length <= 12; length++) {
      for (const last of alphabet) {
        const signature = 'A'.repeat(length - 1) + last;
        const roundTrip = Buffer.from(signature, 'base64url').toString('base64url') === signature;
        expect([signature, isCanonicalSignature(`h.p.${signature}`)]).toEqual([
          signature,
          roundTrip,
        ]);
      }
    }
  });
});

describe('unreadable tokens whose signature is missing or misspelt', () => {
  it.each([
    ['three segments of garbage', 'abc.def.ghi'],
    ['garbage without a signature', 'abc.def.'],
    [
      'a readable header, garbage claims, a misspelt signature',
      `${segment({ alg: 'HS256' })}.def.ghi`,
    ],
  ])('%s: token_malformed, not token_invalid', async (_name, token) => {
    const { codec } = await codecFor('HS256');
    expect(() => codec.verify(token)).toThrow(TokenMalformedError);
  });

  it('a readable token with a misspelt signature is token_invalid', async () => {
    const { codec } = await codecFor('HS256');
    const good = forge({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET);
    const signature = good.slice(good.lastIndexOf('.') + 1);
    if (signature.length % 4 === 0) throw new Error('HS256 signatures are 43 characters');
    expect(() => codec.verify(`${good.slice(0, -1)}B`)).toThrow(TokenInvalidError);
    expect(() => codec.verify(`${good.slice(0, good.lastIndexOf('.') + 1)}`)).toThrow(
      TokenInvalidError,
    );
  });
});
