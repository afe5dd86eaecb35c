import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SECRET } from '../../test/utils/keys.js';
import { silentLogger, tokenModule, type TokenModule } from '../../test/utils/token-module.js';
import { ServiceUnavailableError, TokenRevokedError } from '../errors/jwt-security.errors.js';
import type { TokenPair } from '../interfaces/jwt-claims.interface.js';
import { JwtSecurityModule } from '../jwt-security.module.js';
import { MemoryTokenStore } from '../stores/memory-token.store.js';
import type { NewSessionRecord, NewTokenRecord } from '../stores/token-store.js';
import { JwtTokenRegistry } from './jwt-token-registry.service.js';
import { JwtTokenService } from './jwt-token.service.js';

const hs256 = { algorithm: 'HS256', secret: SECRET } as const;

/** The records of a pair, as a login writes them. */
function records(pair: TokenPair): [NewSessionRecord, NewTokenRecord[]] {
  const { access, refresh } = pair;
  return [
    { sid: access.sid, sub: access.sub, createdAt: access.iat, expiresAt: refresh!.exp },
    [refresh!, access].map((c) => ({
      jti: c.jti,
      sid: c.sid,
      sub: c.sub,
      obj: c.obj,
      issuedAt: c.iat,
      expiresAt: c.exp,
    })),
  ];
}

/**
 * A memory store that tells nobody about revocations (so the view learns only what this
 * instance applies itself), and can stop answering altogether.
 */
class QuietStore extends MemoryTokenStore {
  hang = false;
  /** Runs inside the next `revokeSubject`, before it revokes: another instance's login. */
  beforeRevokeSubject?: () => Promise<void>;

  override async watchRevocations(): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  override async revokeSubject(sub: string, now: number, leeway?: number): Promise<string[]> {
    await this.beforeRevokeSubject?.();
    return this.gate(() => super.revokeSubject(sub, now, leeway));
  }

  override listSessions(...args: Parameters<MemoryTokenStore['listSessions']>) {
    return this.gate(() => super.listSessions(...args));
  }
  override listTokens(...args: Parameters<MemoryTokenStore['listTokens']>) {
    return this.gate(() => super.listTokens(...args));
  }
  override tokenTree(...args: Parameters<MemoryTokenStore['tokenTree']>) {
    return this.gate(() => super.tokenTree(...args));
  }
  override revokeToken(...args: Parameters<MemoryTokenStore['revokeToken']>) {
    return this.gate(() => super.revokeToken(...args));
  }
  override revokeSession(...args: Parameters<MemoryTokenStore['revokeSession']>) {
    return this.gate(() => super.revokeSession(...args));
  }
  override purgeExpired(...args: Parameters<MemoryTokenStore['purgeExpired']>) {
    return this.gate(() => super.purgeExpired(...args));
  }

  private gate<T>(call: () => Promise<T>): Promise<T> {
    return this.hang ? new Promise<T>(() => undefined) : call();
  }
}

describe('JwtTokenRegistry', () => {
  let m: TokenModule;
  let store: QuietStore;
  let registry: JwtTokenRegistry;

  beforeEach(async () => {
    store = new QuietStore();
    m = await tokenModule({
      ...hs256,
      store,
      storeTimeout: 200,
      revocationSyncInterval: 60_000,
    });
    registry = m.moduleRef.get(JwtTokenRegistry);
  });
  afterEach(() => m.close());

  const login = async (sub = 'users:user1'): Promise<TokenPair> => {
    const pair = m.tokens.issue({ sub });
    await store.createSession(...records(pair));
    return pair;
  };

  it('is exported by the module and injectable by type', async () => {
    @Module({
      imports: [JwtSecurityModule.forRoot({ ...hs256, routePrefix: false })],
      providers: [
        { provide: 'uses', useFactory: (r: JwtTokenRegistry) => r, inject: [JwtTokenRegistry] },
      ],
    })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] })
      .setLogger(silentLogger)
      .compile();
    expect(app.get('uses')).toBeInstanceOf(JwtTokenRegistry);
    expect(app.get(JwtTokenRegistry)).toBe(app.get('uses'));
    await app.close();
  });

  it('revokeSubject refuses here a session opened while the store revoked them', async () => {
    const before = await login();
    let late: TokenPair | undefined;
    store.beforeRevokeSubject = async () => {
      late = await login(); // another instance's login, just before the store's revocation
    };
    expect(await registry.revokeSubject('users:user1')).toBe(2);
    // No notification, no poll: only what this instance applied itself.
    for (const pair of [before, late!]) {
      const error = await m.tokens.verify(pair.accessToken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRevokedError);
    }
  });

  it('bounds every call by storeTimeout and fails closed with service_unavailable', async () => {
    const pair = await login();
    store.hang = true;
    const calls: Array<() => Promise<unknown>> = [
      () => registry.sessions('users:user1'),
      () => registry.tokenTree(pair.access.jti),
      () => registry.tokens({ status: 'active' }),
      () => registry.revokeToken(pair.access.jti),
      () => registry.revokeSession(pair.access.sid),
      () => registry.revokeSubject('users:user1'),
      () => registry.purgeExpired(60),
    ];
    for (const call of calls) {
      const started = Date.now();
      const error = await call().catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).toMatchObject({ code: 'service_unavailable', statusCode: 503 });
    }
    // Nothing was revoked: the store never answered, so this instance applied nothing.
    store.hang = false;
    await expect(m.tokens.verify(pair.accessToken)).resolves.toBeTruthy();
  });

  it('refuses a bad limit or age before asking the store', async () => {
    await expect(registry.tokens({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(registry.tokens({ limit: 1.5 })).rejects.toThrow(RangeError);
    await expect(registry.purgeExpired(-1)).rejects.toThrow(RangeError);
    await expect(registry.purgeExpired(Number.NaN)).rejects.toThrow(RangeError);
  });

  it('purges what expired more than the given seconds ago', async () => {
    const t = Math.floor(Date.now() / 1000);
    const old = { sid: 'old', sub: 'users:user1', createdAt: t - 100, expiresAt: t - 50 };
    await store.createSession(old, []);
    expect(await registry.purgeExpired(60)).toBe(0);
    expect(await registry.purgeExpired(40)).toBe(1);
    expect(await store.findSession('old')).toBeUndefined();
  });

  it('reads through the module store, with now as the default time', async () => {
    const pair = await login();
    expect((await registry.sessions('users:user1')).map((s) => s.sid)).toEqual([pair.access.sid]);
    expect(await registry.tokens({ sub: 'users:user1', status: 'active' })).toHaveLength(2);
    expect(m.moduleRef.get(JwtTokenService)).toBe(m.tokens);
  });
});
