import { MemoryTokenStore } from '../../lib/stores/memory-token.store.js';
import { describeTokenStoreContract } from './token-store.contract.js';

/** The embedded default: the reference the Redis and PostgreSQL stores are held to. */
describeTokenStoreContract('MemoryTokenStore', async () => {
  const stores: MemoryTokenStore[] = [];
  return {
    shared: false,
    async create() {
      const store = new MemoryTokenStore();
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) store.onModuleDestroy();
    },
  };
});
