import { describeRegistryContract } from './token-store.registry.contract.js';
import { describeRevocationContract } from './token-store.revocation.contract.js';
import {
  login,
  nowSeconds,
  subject,
  type ContractContext,
  type TokenStoreHarness,
} from './token-store.contract-kit.js';

export type { TokenStoreHarness } from './token-store.contract-kit.js';

/**
 * The behaviour every `TokenStore` must have, as the module relies on it: run against the
 * memory, Redis and PostgreSQL stores. For shared stores, half the calls go through a second
 * instance, as with several app instances behind a load balancer.
 */
export function describeTokenStoreContract(
  name: string,
  factory: () => Promise<TokenStoreHarness>,
): void {
  describe(`TokenStore contract: ${name}`, () => {
    const ctx = {} as ContractContext;

    beforeAll(async () => {
      ctx.harness = await factory();
      ctx.store = await ctx.harness.create();
      ctx.other = ctx.harness.shared ? await ctx.harness.create() : ctx.store;
      ctx.open = async (sub = subject(), now = nowSeconds(), options) => {
        const records = login(sub, now, options);
        await ctx.store.createSession(records.session, [records.refresh, records.access]);
        return records;
      };
    });
    afterAll(() => ctx.harness?.cleanup());

    describeRegistryContract(ctx);
    describeRevocationContract(ctx);
  });
}
