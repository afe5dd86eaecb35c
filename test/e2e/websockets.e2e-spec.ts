import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { JwtTokenService } from 'nest-jwt-security';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import {
  BareWsFixtureGateway,
  GlobalWsFixtureGateway,
  WsAppModule,
} from '../fixtures/ws-gateway.fixture.js';
import { fixtureKeys } from '../fixtures/keys.fixture.js';
import { ADAPTERS, request, startApp } from '../utils/http-app.js';
import {
  accessClaims,
  AUTH,
  expectStatus,
  login,
  peekClaims,
  refresh,
  signToken,
  tamperSignature,
} from '../utils/jwt-e2e.js';

const WS_ADAPTERS = ['socket.io', 'ws'] as const;

/** One message from the server: a handler's answer or the `exception` event. */
interface WsMessage {
  event: string;
  data: any;
}

/** Where a client puts its token when it connects. */
interface Handshake {
  auth?: Record<string, unknown>;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A query string as is (ws clients only). */
  rawQuery?: string;
}

/** A connected client of either kind: sends a message, waits for the next one from the server. */
interface TestClient {
  send(event: string, data?: unknown): Promise<WsMessage>;
  close(): void;
}

/** Delivers incoming messages to waiters in order, failing a wait that lasts too long. */
class Inbox {
  private readonly messages: WsMessage[] = [];
  private readonly waiters: ((message: WsMessage) => void)[] = [];

  push(message: WsMessage): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.messages.push(message);
  }

  next(): Promise<WsMessage> {
    const message = this.messages.shift();
    if (message) return Promise.resolve(message);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message from the server')), 5000);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }
}

async function connectSocketIo(base: string, handshake: Handshake): Promise<TestClient> {
  const inbox = new Inbox();
  const socket: Socket = io(base, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(handshake.auth && { auth: handshake.auth }),
    ...(handshake.headers && { extraHeaders: handshake.headers }),
    ...(handshake.query && { query: handshake.query }),
  });
  socket.onAny((event: string, data: unknown) => inbox.push({ event, data }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    send: (event, data) => {
      socket.emit(event, data);
      return inbox.next();
    },
    close: () => socket.disconnect(),
  };
}

async function connectWs(base: string, handshake: Handshake): Promise<TestClient> {
  const inbox = new Inbox();
  const query = handshake.rawQuery
    ? `?${handshake.rawQuery}`
    : handshake.query
      ? `?${new URLSearchParams(handshake.query)}`
      : '';
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/${query}`, {
    headers: handshake.headers ?? {},
  });
  socket.on('message', (raw) => inbox.push(JSON.parse(String(raw)) as WsMessage));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    send: (event, data) => {
      socket.send(JSON.stringify({ event, data }));
      return inbox.next();
    },
    close: () => socket.close(),
  };
}

/** The module's error body in the `exception` event. */
function expectWsError(message: WsMessage, statusCode: number, code: string): void {
  expect(message).toEqual({
    event: 'exception',
    data: { status: 'error', statusCode, code, message: expect.any(String) },
  });
}

/** The @nestjs/websockets adapter of that name for `app`. */
function webSocketAdapter(
  name: (typeof WS_ADAPTERS)[number],
  app: INestApplication,
): IoAdapter | WsAdapter {
  return name === 'socket.io' ? new IoAdapter(app) : new WsAdapter(app);
}

const COMBINATIONS = WS_ADAPTERS.flatMap((ws) => ADAPTERS.map((http) => [ws, http] as const));

/** `JwtAuthGuard`, `JwtObjectGuard` and the decorators on a gateway, with real clients. */
describe.each(COMBINATIONS)('WebSocket gateway (%s adapter, %s)', (wsAdapter, platform) => {
  let app: INestApplication;
  let base: string;
  const clients: TestClient[] = [];

  const connect = async (handshake: Handshake = {}): Promise<TestClient> => {
    const client =
      wsAdapter === 'socket.io'
        ? await connectSocketIo(base, handshake)
        : await connectWs(base, handshake);
    clients.push(client);
    return client;
  };

  /** Puts `token` where a client of this adapter would: `auth` (socket.io) or a header (ws). */
  const withToken = (token: string): Handshake =>
    wsAdapter === 'socket.io'
      ? { auth: { token } }
      : { headers: { authorization: `Bearer ${token}` } };

  beforeAll(async () => {
    ({ app, url: base } = await startApp(WsAppModule.with(), platform, {
      setup: (created) => created.useWebSocketAdapter(webSocketAdapter(wsAdapter, created)),
    }));
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => app.close());

  describe('token sources', () => {
    const sources: [string, (token: string) => Handshake][] = [
      ['the Authorization header', (token) => ({ headers: { authorization: `Bearer ${token}` } })],
      ['the query string', (token) => ({ query: { token } })],
      ...(wsAdapter === 'socket.io'
        ? ([
            ['the auth field (bare token)', (token) => ({ auth: { token } })],
            [
              'the auth field (Bearer <token>)',
              (token) => ({ auth: { token: `Bearer ${token}` } }),
            ],
          ] as [string, (token: string) => Handshake][])
        : []),
    ];

    it.each(sources)(
      'a valid access token in %s: the handler gets @CurrentClaims()',
      async (_, where) => {
        const { accessToken } = await login(base, 'admin', 'admin');
        const client = await connect(where(accessToken));
        expect(await client.send('claims')).toEqual({
          event: 'claims',
          data: { sub: 'users:admin', claims: peekClaims(accessToken) },
        });
      },
    );

    it('the first place holding a token decides: auth, then header, then query', async () => {
      const admin = (await login(base, 'admin', 'admin')).accessToken;
      const user1 = (await login(base, 'user1', 'passwd')).accessToken;
      if (wsAdapter === 'socket.io') {
        const client = await connect({
          auth: { token: admin },
          headers: { authorization: `Bearer ${user1}` },
          query: { token: user1 },
        });
        expect((await client.send('claims')).data.sub).toBe('users:admin');
        const bad = await connect({
          auth: { token: 'garbage' },
          headers: { authorization: `Bearer ${admin}` },
        });
        expectWsError(await bad.send('claims'), 401, 'token_malformed');
      }
      const client = await connect({
        headers: { authorization: `Bearer ${admin}` },
        query: { token: user1 },
      });
      expect((await client.send('claims')).data.sub).toBe('users:admin');
    });

    // One adapter's own ways: defined for it only, never passed empty on the other.
    if (wsAdapter === 'socket.io') {
      it('an auth token that is not a string: token_malformed', async () => {
        for (const token of [42, ['a', 'b'], { token: 'x' }]) {
          expectWsError(
            await (await connect({ auth: { token } })).send('claims'),
            401,
            'token_malformed',
          );
        }
      });
    }

    if (wsAdapter === 'ws') {
      it('a query token given twice (ws adapter): token_malformed', async () => {
        expectWsError(
          await (await connect({ rawQuery: 'token=a&token=b' })).send('claims'),
          401,
          'token_malformed',
        );
      });
    }

    it('a header with another scheme is no token of ours; the query is read next', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const client = await connect({
        headers: { authorization: 'Basic dXNlcjE6cGFzc3dk' },
        query: { token: accessToken },
      });
      expect((await client.send('claims')).data.sub).toBe('users:user1');
    });
  });

  describe('refusals, with the spec codes in the exception event', () => {
    it('no token: token_missing; @Public() works; @OptionalJwt() is anonymous', async () => {
      const client = await connect();
      expectWsError(await client.send('claims'), 401, 'token_missing');
      expect(await client.send('public')).toEqual({ event: 'public', data: { open: true } });
      expect(await client.send('optional')).toEqual({ event: 'optional', data: { sub: null } });
    });

    it('a token that is not a JWT: token_malformed, @OptionalJwt() included', async () => {
      const client = await connect(withToken('garbage'));
      expectWsError(await client.send('claims'), 401, 'token_malformed');
      expectWsError(await client.send('optional'), 401, 'token_malformed');
      expect((await client.send('public')).event).toBe('public');
    });

    it('an expired token: token_expired', async () => {
      const tokens = app.get(JwtTokenService);
      const { accessToken } = tokens.issue({
        sub: 'users:user1',
        now: Math.floor(Date.now() / 1000) - 3600,
        withRefresh: false,
      });
      expectWsError(
        await (await connect(withToken(accessToken))).send('claims'),
        401,
        'token_expired',
      );
    });

    it('a forged token: token_invalid (tampered signature, or signed with another key)', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const otherKey = await signToken('HS256', fixtureKeys('HS256', 1).signingKey, accessClaims());
      for (const token of [tamperSignature(accessToken), otherKey]) {
        expectWsError(await (await connect(withToken(token))).send('claims'), 401, 'token_invalid');
      }
    });

    it('a refresh token where an access token is required: token_wrong_type; @JwtObject', async () => {
      const { accessToken, refreshToken } = await login(base, 'user1', 'passwd');
      const withRefresh = await connect(withToken(refreshToken));
      expectWsError(await withRefresh.send('claims'), 401, 'token_wrong_type');
      expect(await withRefresh.send('refresh')).toEqual({
        event: 'refresh',
        data: { obj: 'refresh' },
      });
      const withAccess = await connect(withToken(accessToken));
      expectWsError(await withAccess.send('refresh'), 401, 'token_wrong_type');
    });

    it('a token revoked while connected is refused from the next message on', async () => {
      const { accessToken } = await login(base, 'user1', 'passwd');
      const client = await connect(withToken(accessToken));
      expect((await client.send('claims')).event).toBe('claims');
      expectStatus(
        await request(`${base}${AUTH}/logout`, { method: 'POST', token: accessToken }),
        200,
      );
      expectWsError(await client.send('claims'), 401, 'token_revoked');
    });
  });

  describe('route requirements', () => {
    it("@RequireScopes('admin'): insufficient_scope for user1, answered for admin", async () => {
      const user1 = await connect(withToken((await login(base, 'user1', 'passwd')).accessToken));
      expectWsError(await user1.send('admin'), 403, 'insufficient_scope');
      const admin = await connect(withToken((await login(base, 'admin', 'admin')).accessToken));
      expect(await admin.send('admin')).toEqual({ event: 'admin', data: { sub: 'users:admin' } });
    });

    it('@Fresh(): a login token passes, a refreshed one gets token_not_fresh', async () => {
      const pair = await login(base, 'user1', 'passwd');
      expect((await (await connect(withToken(pair.accessToken))).send('fresh')).event).toBe(
        'fresh',
      );
      const refreshed = await refresh(base, pair.refreshToken);
      const client = await connect(withToken(refreshed.accessToken));
      expectWsError(await client.send('fresh'), 403, 'token_not_fresh');
    });

    it('@CurrentPrincipal() gives what the PrincipalLoader loaded', async () => {
      const client = await connect(withToken((await login(base, 'user1', 'passwd')).accessToken));
      expect(await client.send('principal')).toEqual({
        event: 'principal',
        data: { login: 'user1', sub: 'users:user1' },
      });
    });

    it('JwtObjectGuard checks the claims an earlier guarded message recorded', async () => {
      const anonymous = await connect();
      expectWsError(await anonymous.send('object-admin'), 401, 'token_missing');
      const user1 = await connect(withToken((await login(base, 'user1', 'passwd')).accessToken));
      expect((await user1.send('claims')).event).toBe('claims');
      expectWsError(await user1.send('object-admin'), 403, 'insufficient_scope');
      const admin = await connect(withToken((await login(base, 'admin', 'admin')).accessToken));
      expect((await admin.send('claims')).event).toBe('claims');
      expect(await admin.send('object-admin')).toEqual({
        event: 'object-admin',
        data: { sub: 'users:admin' },
      });
    });
  });

  it('the connection stays usable after an error', async () => {
    const client = await connect(withToken((await login(base, 'user1', 'passwd')).accessToken));
    expectWsError(await client.send('admin'), 403, 'insufficient_scope');
    expect(await client.send('echo', { n: 1 })).toEqual({
      event: 'echo',
      data: { sub: 'users:user1', body: { n: 1 } },
    });
    expectWsError(await client.send('refresh'), 401, 'token_wrong_type');
    expect((await client.send('echo', { n: 2 })).data.body).toEqual({ n: 2 });
  });
});

/** With the ws adapter, the guard sees the upgrade request only through attachUpgradeRequest(). */
describe.each(ADAPTERS)('ws adapter without attachUpgradeRequest() (%s)', (platform) => {
  it('fails closed: a token in the header or the query is not seen, token_missing', async () => {
    const { app, url: base } = await startApp(
      WsAppModule.with({}, BareWsFixtureGateway),
      platform,
      {
        setup: (created) => created.useWebSocketAdapter(new WsAdapter(created)),
      },
    );
    const { accessToken } = await login(base, 'user1', 'passwd');
    const client = await connectWs(base, {
      headers: { authorization: `Bearer ${accessToken}` },
      query: { token: accessToken },
    });
    try {
      expectWsError(await client.send('claims'), 401, 'token_missing');
    } finally {
      client.close();
      await app.close();
    }
  });
});

/** `JwtAuthGuard` registered as `APP_GUARD` guards gateway messages too. */
describe.each(WS_ADAPTERS)('app-wide JwtAuthGuard on a gateway (%s adapter)', (wsAdapter) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await startApp(WsAppModule.with({}, GlobalWsFixtureGateway), 'express', {
      setup: (created) => created.useWebSocketAdapter(webSocketAdapter(wsAdapter, created)),
    }));
  });
  afterAll(() => app.close());

  it('closes every message but the @Public() ones', async () => {
    const connect = wsAdapter === 'socket.io' ? connectSocketIo : connectWs;
    const anonymous = await connect(base, {});
    const { accessToken } = await login(base, 'user1', 'passwd');
    const user1 = await connect(base, { query: { token: accessToken } });
    try {
      expectWsError(await anonymous.send('claims'), 401, 'token_missing');
      expect(await anonymous.send('public')).toEqual({ event: 'public', data: { open: true } });
      expect(await user1.send('claims')).toEqual({ event: 'claims', data: { sub: 'users:user1' } });
    } finally {
      anonymous.close();
      user1.close();
    }
  });
});
