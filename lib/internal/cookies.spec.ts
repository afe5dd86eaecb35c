import { csrfMatches, isUnsafeMethod, requestCookies } from './cookies.js';
import type { HttpRequestLike } from './http.js';

const withHeader = (cookie: string | undefined, extra: Partial<HttpRequestLike> = {}) =>
  ({ headers: cookie === undefined ? {} : { cookie }, ...extra }) as HttpRequestLike;

describe('requestCookies', () => {
  it('parses the Cookie header when no middleware ran, once per request', () => {
    const request = withHeader('access_token=a.b.c; csrf_access_token=x%2By');
    const first = requestCookies(request);
    expect(first).toMatchObject({ access_token: 'a.b.c', csrf_access_token: 'x+y' });
    expect(requestCookies(request)).toBe(first);
  });

  it('uses req.cookies when cookie-parser or @fastify/cookie already parsed them', () => {
    const parsed = { access_token: 'from.middleware.token' };
    const request = withHeader('access_token=from.header.token', { cookies: parsed });
    expect(requestCookies(request)).toBe(parsed);
  });

  it('falls back to the header when req.cookies is not an object', () => {
    const request = withHeader('access_token=from.header.token', { cookies: 'nope' });
    expect(requestCookies(request).access_token).toBe('from.header.token');
  });

  it('gives no cookies without a header', () => {
    expect(requestCookies(withHeader(undefined))).toEqual({});
  });
});

describe('isUnsafeMethod', () => {
  it.each([
    ['GET', false],
    ['head', false],
    ['OPTIONS', false],
    ['POST', true],
    ['PATCH', true],
    ['DELETE', true],
    [undefined, true],
  ])('%s → %s', (method, unsafe) => {
    expect(isUnsafeMethod(withHeader(undefined, { method }))).toBe(unsafe);
  });
});

describe('csrfMatches', () => {
  it('matches only an equal, non-empty string', () => {
    expect(csrfMatches('abc', 'abc')).toBe(true);
    expect(csrfMatches('abc', 'abd')).toBe(false);
    expect(csrfMatches('abc', 'abcd')).toBe(false);
    expect(csrfMatches('', '')).toBe(false);
    expect(csrfMatches(['abc'], 'abc')).toBe(false);
    expect(csrfMatches('abc', undefined)).toBe(false);
  });
});
