import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JwtSecurityModule } from './jwt-security.module.js';
import { MemoryTokenStore } from './stores/memory-token.store.js';
import { TokenStore } from './stores/token-store.js';

@Injectable()
class Clock {
  now(): number {
    return 42;
  }
}

/** An app's own store class, with a dependency of its own. */
@Injectable()
class AppStore extends MemoryTokenStore {
  constructor(readonly clock: Clock) {
    super();
  }
}

@Module({ providers: [Clock, AppStore], exports: [AppStore] })
class StoreModule {}

const secret = 'a-secret-of-at-least-thirty-two-bytes-for-hs256!';

describe('storeProvider', () => {
  it.each(['before', 'after'])(
    'uses the app provider of a store class registered in the app (imported %s it)',
    async (order) => {
      const security = JwtSecurityModule.forRoot({
        algorithm: 'HS256',
        secret,
        store: AppStore,
        routePrefix: false,
      });
      const moduleRef = await Test.createTestingModule({
        imports: order === 'before' ? [StoreModule, security] : [security, StoreModule],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        const store = app.get(TokenStore);
        expect(store).toBe(app.get(AppStore));
        expect((store as AppStore).clock.now()).toBe(42);
      } finally {
        await app.close();
      }
    },
  );

  it('creates a store class the app does not register, with its dependencies', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JwtSecurityModule.forRoot({
          algorithm: 'HS256',
          secret,
          store: MemoryTokenStore,
          routePrefix: false,
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect(app.get(TokenStore)).toBeInstanceOf(MemoryTokenStore);
    } finally {
      await app.close();
    }
  });
});
