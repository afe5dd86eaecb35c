import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { TokenMalformedError } from '../errors/jwt-security.errors.js';
import type { TokenExtractor } from './token-extractor.js';

/**
 * What the guard reads of a WebSocket client's handshake: socket.io's `client.handshake`, or
 * the one `attachUpgradeRequest()` records on a `ws` client.
 */
export interface WsHandshake {
  headers: IncomingHttpHeaders;
  query?: Record<string, unknown>;
  auth?: Record<string, unknown>;
  address?: string;
}

/** Client property holding the handshake of a `ws` client (the ws adapter keeps none). */
export const WS_HANDSHAKE = Symbol.for('nest-jwt-security.ws-handshake');

/**
 * Records what the guard needs of a connection's upgrade request (its headers, its query and
 * the peer address) on a client of `@nestjs/platform-ws`, whose `WebSocket` does not keep the
 * request. Call it first thing in your gateway's `handleConnection(client, request)`: Nest
 * calls that hook before it binds any message handler. socket.io clients keep their own
 * handshake, so the call does nothing for them, and one gateway serves both adapters.
 *
 * Only what the guard reads is kept (not the request itself), for the life of the connection.
 *
 * @example
 * ```ts
 * @WebSocketGateway()
 * export class EventsGateway implements OnGatewayConnection {
 *   handleConnection(client: WebSocket, request: IncomingMessage) {
 *     attachUpgradeRequest(client, request);
 *   }
 * }
 * ```
 * @publicApi
 */
export function attachUpgradeRequest(client: object, request: IncomingMessage | undefined): void {
  if (!request || typeof request !== 'object' || 'handshake' in client) return;
  const url = new URL(request.url ?? '/', 'ws://localhost');
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  const handshake: WsHandshake = { headers: request.headers ?? {}, query };
  const address = request.socket?.remoteAddress;
  if (address !== undefined) handshake.address = address;
  Object.defineProperty(client, WS_HANDSHAKE, { value: handshake, configurable: true });
}

/** The handshake of a socket.io or `ws` client, if it has one. */
export function handshakeOf(client: unknown): WsHandshake | undefined {
  if (!client || typeof client !== 'object') return undefined;
  const own = (client as { handshake?: unknown }).handshake;
  const handshake = own ?? (client as { [WS_HANDSHAKE]?: unknown })[WS_HANDSHAKE];
  if (!handshake || typeof handshake !== 'object') return undefined;
  const { headers } = handshake as { headers?: unknown };
  return headers && typeof headers === 'object' ? (handshake as WsHandshake) : undefined;
}

/**
 * The token a WebSocket client presented when it connected, looking in order at: the handshake
 * `auth.token` (socket.io; bare or `<authType> <token>`), the configured header (same rules as
 * over HTTP; cookies are never read), and the `token` query parameter. The first place that
 * holds a token decides; `undefined` when none does.
 */
export function wsToken(client: unknown, extractor: TokenExtractor): string | undefined {
  const handshake = handshakeOf(client);
  if (!handshake) return undefined;
  const auth = handshake.auth;
  const fromAuth = auth && typeof auth === 'object' ? extractor.fromValue(auth.token) : undefined;
  if (fromAuth !== undefined) return fromAuth;
  const fromHeader = extractor.fromHeader(
    handshake as { headers: Record<string, string | string[] | undefined> },
  );
  if (fromHeader !== undefined) return fromHeader;
  const query = handshake.query;
  if (!query || typeof query !== 'object' || !Object.hasOwn(query, 'token')) return undefined;
  const value = query.token;
  // `?token=a&token=b`: which one was meant is anyone's guess.
  if (Array.isArray(value)) throw new TokenMalformedError();
  return extractor.fromValue(value);
}
