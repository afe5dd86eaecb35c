import { JwtSecurityError } from '../errors/jwt-security.errors.js';

type WsExceptionClass = new (error: string | object) => Error;

let loading: Promise<WsExceptionClass | undefined> | undefined;

/**
 * `WsException` of @nestjs/websockets, an optional peer dependency: loaded once, on the first
 * WebSocket error, never at start-up (an app that has a gateway has it installed).
 */
function loadWsException(): Promise<WsExceptionClass | undefined> {
  loading ??= import('@nestjs/websockets').then(
    (websockets) => websockets.WsException as WsExceptionClass,
    () => undefined,
  );
  return loading;
}

/**
 * What a guard throws in `ws` context for `error`: a module error becomes a `WsException`
 * carrying its body `{status:'error', statusCode, code, message}`, which Nest's
 * `BaseWsExceptionFilter` sends as is in the `exception` event (socket.io `emit`, or
 * `{"event":"exception","data":...}` on a `ws` client). The module error stays reachable as the
 * exception's `cause` (not enumerable, never sent) for apps that reshape errors with their own
 * `@Catch(WsException)` filter. Anything else passes through unchanged.
 */
export async function toWsException(error: unknown): Promise<unknown> {
  if (!(error instanceof JwtSecurityError)) return error;
  const WsException = await loadWsException();
  if (!WsException) return error;
  const exception = new WsException(error.getResponse());
  Object.defineProperty(exception, 'cause', { value: error, configurable: true, writable: true });
  return exception;
}
