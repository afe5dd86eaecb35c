import type { IncomingMessage } from 'node:http';
import { WsException } from '@nestjs/websockets';
import {
  TokenMalformedError,
  TokenMissingError,
  TokenRevokedError,
} from '../errors/jwt-security.errors.js';
import { TokenExtractor } from './token-extractor.js';
import { toWsException } from './ws-errors.js';
import { attachUpgradeRequest, handshakeOf, wsToken, WS_HANDSHAKE } from './ws-handshake.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2Vyczp1c2VyMSJ9.c2lnbmF0dXJl';
const OTHER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyczphZG1pbiJ9.c2lnbmF0dXJl';

/** A socket.io client as the guard sees it: only its handshake matters. */
function socketIo(handshake: {
  auth?: Record<string, unknown>;
  headers?: Record<string, string | string[]>;
  query?: Record<string, string | string[]>;
}): object {
  return { handshake: { headers: {}, query: {}, auth: {}, ...handshake } };
}

function upgrade(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}

function malformed(run: () => unknown): void {
  expect(run).toThrow(TokenMalformedError);
}

describe('wsToken()', () => {
  const extractor = new TokenExtractor('Bearer', 'Authorization');

  it('reads auth.token bare or with the scheme (case-insensitive), trimmed', () => {
    for (const token of [TOKEN, `Bearer ${TOKEN}`, `bearer  ${TOKEN} `, ` ${TOKEN} `]) {
      expect(wsToken(socketIo({ auth: { token } }), extractor)).toBe(TOKEN);
    }
  });

  it('refuses an auth.token that is not a string, has another scheme or inner spaces', () => {
    for (const token of [42, true, ['a'], { token: TOKEN }, `Basic ${TOKEN}`, `Bearer a b`]) {
      malformed(() => wsToken(socketIo({ auth: { token } }), extractor));
    }
  });

  it('takes auth, then the header, then the query: the first place holding a token', () => {
    const all = {
      auth: { token: TOKEN },
      headers: { authorization: `Bearer ${OTHER}` },
      query: { token: OTHER },
    };
    expect(wsToken(socketIo(all), extractor)).toBe(TOKEN);
    expect(wsToken(socketIo({ ...all, auth: { token: '' } }), extractor)).toBe(OTHER);
    expect(wsToken(socketIo({ query: { token: TOKEN } }), extractor)).toBe(TOKEN);
    expect(
      wsToken(
        socketIo({ headers: { authorization: 'Basic x' }, query: { token: TOKEN } }),
        extractor,
      ),
    ).toBe(TOKEN);
  });

  it('a bad token in the first place holding one is refused, not skipped', () => {
    malformed(() =>
      wsToken(socketIo({ auth: { token: 'a b c' }, query: { token: TOKEN } }), extractor),
    );
    malformed(() =>
      wsToken(
        socketIo({ headers: { authorization: 'Bearer a b' }, query: { token: TOKEN } }),
        extractor,
      ),
    );
  });

  it('refuses a query token given twice', () => {
    malformed(() => wsToken(socketIo({ query: { token: [TOKEN, OTHER] } }), extractor));
  });

  it('answers undefined without a handshake or a token', () => {
    expect(wsToken(undefined, extractor)).toBeUndefined();
    expect(wsToken({}, extractor)).toBeUndefined();
    expect(wsToken({ handshake: 'x' }, extractor)).toBeUndefined();
    expect(wsToken(socketIo({}), extractor)).toBeUndefined();
    expect(wsToken(socketIo({ query: { token: '' } }), extractor)).toBeUndefined();
  });

  it('honours a custom header, which carries the bare token', () => {
    const custom = new TokenExtractor('JWT', 'X-Token');
    expect(wsToken(socketIo({ headers: { 'x-token': TOKEN } }), custom)).toBe(TOKEN);
    expect(wsToken(socketIo({ auth: { token: `JWT ${TOKEN}` } }), custom)).toBe(TOKEN);
    malformed(() => wsToken(socketIo({ auth: { token: `Bearer ${TOKEN}` } }), custom));
  });

  it('never reads cookies, whatever tokenLocation says', () => {
    const both = new TokenExtractor('Bearer', 'Authorization', ['cookie', 'header']);
    expect(wsToken(socketIo({ headers: { cookie: `access_token=${TOKEN}` } }), both)).toBe(
      undefined,
    );
  });
});

describe('attachUpgradeRequest()', () => {
  const extractor = new TokenExtractor('Bearer', 'Authorization');

  it("records a ws client's headers, query and address, hidden under a symbol", () => {
    const client = {};
    attachUpgradeRequest(
      client,
      upgrade(`/?token=${TOKEN}&a=1&a=2`, { authorization: `Bearer ${OTHER}` }),
    );
    expect(Object.keys(client)).toEqual([]);
    expect(handshakeOf(client)).toEqual({
      headers: { authorization: `Bearer ${OTHER}` },
      query: { token: TOKEN, a: ['1', '2'] },
      address: '127.0.0.1',
    });
    expect(wsToken(client, extractor)).toBe(OTHER);
  });

  it('leaves socket.io clients and missing requests alone', () => {
    const socket = socketIo({ query: { token: TOKEN } });
    attachUpgradeRequest(socket, upgrade(`/?token=${OTHER}`));
    expect(WS_HANDSHAKE in socket).toBe(false);
    expect(wsToken(socket, extractor)).toBe(TOKEN);
    const client = {};
    attachUpgradeRequest(client, undefined);
    expect(handshakeOf(client)).toBeUndefined();
  });
});

describe('toWsException()', () => {
  it("turns a module error into a WsException carrying the module's body", async () => {
    const error = new TokenMissingError({ cause: new Error('secret detail') });
    const exception = await toWsException(error);
    expect(exception).toBeInstanceOf(WsException);
    expect((exception as WsException).getError()).toEqual({
      status: 'error',
      statusCode: 401,
      code: 'token_missing',
      message: expect.any(String),
    });
    expect((exception as Error).cause).toBe(error);
    expect(Object.keys(exception as object)).not.toContain('cause');
  });

  it('passes anything else through', async () => {
    const other = new Error('x');
    expect(await toWsException(other)).toBe(other);
    expect(await toWsException(new TokenRevokedError())).toBeInstanceOf(WsException);
  });
});
