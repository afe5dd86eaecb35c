import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { requestOf } from './auth-context.js';

class Resolver {
  me(): void {}
}

function contextOf(type: string, args: unknown[]): ExecutionContext {
  const host = new ExecutionContextHost(args, Resolver, Resolver.prototype.me);
  host.setType(type);
  return host;
}

describe('requestOf()', () => {
  const req = { headers: {} };

  it('reads the request of each context type', () => {
    expect(requestOf(contextOf('http', [req, {}]))).toBe(req);
    const client = { handshake: { headers: {} } };
    expect(requestOf(contextOf('ws', [client, {}]))).toBe(client);
    expect(requestOf(contextOf('rpc', [{}, req]))).toBe(req);
  });

  it('GraphQL: the `req` the app puts in its context (args are root, args, context, info)', () => {
    expect(requestOf(contextOf('graphql', [undefined, {}, { req }, {}]))).toBe(req);
    const root = { parent: true };
    expect(requestOf(contextOf('graphql', [root, {}, {}, {}]))).toBe(root);
  });
});
