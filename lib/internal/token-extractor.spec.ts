import { TokenMalformedError } from '../errors/jwt-security.errors.js';
import type { HttpRequestLike } from './http.js';
import { TokenExtractor } from './token-extractor.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2Vyczp1c2VyMSJ9.c2lnbmF0dXJl';

/** A request as Express and Fastify give it: header names in lower case. */
function request(headers: Record<string, string | string[] | undefined>): HttpRequestLike {
  return { headers };
}

function malformed(extractor: TokenExtractor, headers: Record<string, string | string[]>): void {
  let error: unknown;
  try {
    extractor.extract(request(headers));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TokenMalformedError);
  expect(error).toMatchObject({ code: 'token_malformed', statusCode: 401 });
}

describe('TokenExtractor with the defaults (Bearer, Authorization)', () => {
  const extractor = new TokenExtractor('Bearer', 'Authorization');

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
    'reads "%s <token>" (scheme case-insensitive)',
    (scheme) => {
      expect(extractor.extract(request({ authorization: `${scheme} ${TOKEN}` }))).toBe(TOKEN);
    },
  );

  it.each([
    `  Bearer ${TOKEN}`,
    `Bearer    ${TOKEN}`,
    `Bearer ${TOKEN}   `,
    `\tBearer\t${TOKEN}\t`,
    ` Bearer  ${TOKEN} `,
  ])('tolerates extra spaces around: %p', (value) => {
    expect(extractor.extract(request({ authorization: value }))).toBe(TOKEN);
  });

  it('answers undefined without the header, or with an empty one', () => {
    expect(extractor.extract(request({}))).toBeUndefined();
    expect(extractor.extract(request({ authorization: '' }))).toBeUndefined();
    expect(extractor.extract(request({ authorization: '   ' }))).toBeUndefined();
    expect(extractor.extract({} as HttpRequestLike)).toBeUndefined();
  });

  it.each(['Bearer', 'Bearer ', '  bearer   '])(
    'answers undefined for a scheme with no token: %p',
    (value) => {
      expect(extractor.extract(request({ authorization: value }))).toBeUndefined();
    },
  );

  it('answers undefined for a bare token in Authorization (a scheme is expected)', () => {
    expect(extractor.extract(request({ authorization: TOKEN }))).toBeUndefined();
  });

  it.each(['Basic dXNlcjpwYXNz', `JWT ${TOKEN}`, `Bearers ${TOKEN}`, `Digest ${TOKEN}`])(
    'treats another scheme as no token: %p',
    (value) => {
      expect(extractor.extract(request({ authorization: value }))).toBeUndefined();
    },
  );

  it.each([`Bearer ${TOKEN} extra`, `Bearer a b`, `Bearer ${TOKEN}\tx`])(
    'refuses a token containing spaces: %p',
    (value) => {
      malformed(extractor, { authorization: value });
    },
  );

  it('refuses a repeated header (an array)', () => {
    malformed(extractor, { authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] });
    malformed(extractor, { authorization: [`Bearer ${TOKEN}`] });
  });

  it('reads the header whatever the configured case', () => {
    const upper = new TokenExtractor('bearer', 'AUTHORIZATION');
    expect(upper.extract(request({ authorization: `Bearer ${TOKEN}` }))).toBe(TOKEN);
  });

  it('does not read the token from another header', () => {
    expect(extractor.extract(request({ 'x-pyams-authorization': TOKEN }))).toBeUndefined();
  });
});

describe("TokenExtractor with authType 'JWT'", () => {
  const extractor = new TokenExtractor('JWT', 'Authorization');

  it.each(['JWT', 'jwt', 'Jwt'])('accepts "%s <token>"', (scheme) => {
    expect(extractor.extract(request({ authorization: `${scheme} ${TOKEN}` }))).toBe(TOKEN);
  });

  it('treats "Bearer <token>" as no token', () => {
    expect(extractor.extract(request({ authorization: `Bearer ${TOKEN}` }))).toBeUndefined();
  });

  it('answers undefined for "JWT" alone', () => {
    expect(extractor.extract(request({ authorization: 'JWT' }))).toBeUndefined();
  });
});

describe('TokenExtractor with a custom header (X-PyAMS-Authorization)', () => {
  const extractor = new TokenExtractor('Bearer', 'X-PyAMS-Authorization');

  it('reads the bare token', () => {
    expect(extractor.extract(request({ 'x-pyams-authorization': TOKEN }))).toBe(TOKEN);
    expect(extractor.extract(request({ 'x-pyams-authorization': `  ${TOKEN}  ` }))).toBe(TOKEN);
  });

  it('ignores Authorization', () => {
    expect(extractor.extract(request({ authorization: `Bearer ${TOKEN}` }))).toBeUndefined();
  });

  it('answers undefined for a missing or empty header', () => {
    expect(extractor.extract(request({}))).toBeUndefined();
    expect(extractor.extract(request({ 'x-pyams-authorization': ' ' }))).toBeUndefined();
  });

  it('refuses a scheme in front of the token: the header carries the bare token', () => {
    malformed(extractor, { 'x-pyams-authorization': `Bearer ${TOKEN}` });
  });

  it('refuses a header array', () => {
    malformed(extractor, { 'x-pyams-authorization': [TOKEN, TOKEN] });
  });
});
