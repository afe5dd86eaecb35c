import { ADAPTERS, ALGS, paths, settings, type Adapter, type Alg } from './config.js';
import { expectStatus, recipeLogin, sampleLogin } from './http.js';
import { jwtHeader, type KeySet } from './keys.js';
import { startServer } from './processes.js';
import { measureSession, pairedRatio, type Measured, type Variant } from './sessions.js';
import type { LuaScripts } from './wrk.js';

export type StoreKind = 'redis' | 'postgres';

/** Everything the HTTP scenarios share. */
export interface HttpContext {
  keys: Record<Alg, KeySet>;
  /** Pre-minted distinct valid tokens per algorithm: file, count and its first token. */
  tokenFiles: Record<Alg, { file: string; count: number; first: string }>;
  lua: LuaScripts;
  log: (message: string) => void;
  /** Shared stores reachable in this run (the others' rows are skipped). */
  stores: StoreKind[];
  /** Remembers a session made in a shared store, so that it is removed afterwards. */
  trackToken: (store: StoreKind, token: string) => void;
}

/** One line of the result table, for one adapter. */
export interface Row {
  id: string;
  label: string;
  group: 'open' | 'ours' | 'floor' | 'recipe' | 'store' | 'login';
  adapter: Adapter;
  alg?: Alg;
  tokens?: 'warm' | 'cold';
  store?: 'memory' | StoreKind;
  /** The route measured, and the open route of the same server process, same session. */
  measured: Measured;
  open: Measured;
  /**
   * req/s of the route / req/s of the open route, and the same for p99: the median over the
   * route's runs of the ratio to the open runs just before and after each (see `pairedRatio`).
   */
  ratio: number;
  p99Ratio: number;
  /** Latency at a fixed offered load, the same for the route and the open route (target 6). */
  paced?: PacedLatency;
  note?: string;
}

/** Paced runs of a route and of the open route, alternately, at the same offered load. */
export interface PacedLatency {
  /** Each connection's pause between requests, and the resulting req/s of each. */
  pauseMs: number;
  measured: Measured;
  open: Measured;
  /** Median over the runs of p99 / p99 of the open runs around each. */
  p99Ratio: number;
}

function storeUrl(store: StoreKind): string {
  return store === 'redis' ? settings.redisUrl : settings.postgresUrl;
}

/** Environment of the sample for `alg` on `adapter`; login throttling off for the bench. */
export function sampleEnv(ctx: HttpContext, adapter: Adapter, alg: Alg, store?: StoreKind) {
  return {
    HTTP_ADAPTER: adapter,
    ...ctx.keys[alg].env,
    JWT_LOGIN_THROTTLE: 'off',
    ...(store && { JWT_STORE: storeUrl(store) }),
  };
}

/** Every HTTP row: per adapter, our guard (3 algorithms), the recipe (3), the stores (2). */
export async function runHttp(ctx: HttpContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const adapter of ADAPTERS) {
    for (const alg of ALGS) rows.push(...(await oursSession(ctx, adapter, alg)));
    for (const alg of ALGS) rows.push(...(await floorSession(ctx, adapter, alg)));
    for (const alg of ALGS) rows.push(...(await recipeSession(ctx, adapter, alg)));
    for (const store of ctx.stores) rows.push(...(await storeSession(ctx, adapter, store)));
    rows.push(...(await loginSession(ctx, adapter)));
  }
  return rows;
}

/** Our sample: open, warm token, cold tokens, alternately, then their latency at a fixed load. */
function oursSession(ctx: HttpContext, adapter: Adapter, alg: Alg): Promise<Row[]> {
  const name = `sample ${adapter} ${alg}`;
  return withServer(ctx, name, paths.sample, sampleEnv(ctx, adapter, alg), async (port) => {
    const { access } = await sampleLogin(port);
    const kid = jwtHeader(access).kid;
    if (kid !== ctx.keys[alg].kid) {
      throw new Error(
        `${name}: kid ${String(kid)} differs from the harness's ${ctx.keys[alg].kid}`,
      );
    }
    const tokens = ctx.tokenFiles[alg];
    await expectStatus(port, '/profile', access, 200, `${name} warm token`);
    await expectStatus(port, '/profile', tokens.first, 200, `${name} minted token`);
    const auth = { Authorization: `Bearer ${access}` };
    const variants: Variant[] = [
      { key: 'open', request: () => ({ path: '/public', headers: auth }) },
      { key: 'warm', request: () => ({ path: '/profile', headers: auth }) },
      { key: 'cold', ...coldTokens(ctx, alg) },
    ];
    const m = await measureSession(port, variants, ctx.log);
    const open = m.open!;
    const most = Math.max(...m.cold!.runs.map((r) => r.requests));
    // Latency at the same offered load for both routes of a pair: a share of what the slower of
    // the two sustained, so that neither is run past its capacity (a queue, not a latency).
    const latency = async (key: 'warm' | 'cold'): Promise<PacedLatency> => {
      const pauseMs = paceFor(Math.min(open.rps, m[key]!.rps));
      ctx.log(
        `    ${key}: latency at ~${fmtRate(pauseMs)} req/s (pause ${pauseMs} ms per connection)`,
      );
      const pair = [variants[0]!, variants.find((v) => v.key === key)!];
      const paced = await measureSession(port, pacedVariants(ctx, pair, pauseMs), ctx.log, {
        warmup: false,
        rounds: settings.latencyRounds,
      });
      return {
        pauseMs,
        measured: paced[key]!,
        open: paced.open!,
        p99Ratio: pairedRatio(paced[key]!, paced.open!, (r) => r.p99),
      };
    };
    const pacedWarm = await latency('warm');
    const pacedCold = await latency('cold');
    return [
      row(`open-${alg}`, 'open route (no guard)', 'open', adapter, open, open, { alg }),
      row(`ours-${alg}-warm`, `our guard, ${alg}, warm token`, 'ours', adapter, m.warm!, open, {
        alg,
        tokens: 'warm',
        store: 'memory',
        paced: pacedWarm,
      }),
      row(`ours-${alg}-cold`, `our guard, ${alg}, cold tokens`, 'ours', adapter, m.cold!, open, {
        alg,
        tokens: 'cold',
        store: 'memory',
        paced: pacedCold,
        note: `${tokens.count.toLocaleString('en-US')} distinct tokens, up to ${most.toLocaleString('en-US')} requests a run`,
      }),
    ];
  });
}

/**
 * Login on a server of its own (HS256, memory store): its Argon2 hashes take memory and the
 * libuv threads, which would weigh on the guard's runs in the same process.
 */
function loginSession(ctx: HttpContext, adapter: Adapter): Promise<Row[]> {
  const name = `sample ${adapter} HS256 login`;
  return withServer(ctx, name, paths.sample, sampleEnv(ctx, adapter, 'HS256'), async (port) => {
    await sampleLogin(port);
    const m = await measureSession(
      port,
      [
        { key: 'open', request: () => ({ path: '/public' }) },
        {
          key: 'login',
          request: () => ({ path: '/api/auth/jwt/login', script: ctx.lua.login }),
          // 32 logins in flight hash passwords for a while after wrk stops.
          settleMs: 2000,
        },
      ],
      ctx.log,
    );
    return [
      row('login', 'login (our sample, HS256, memory store)', 'login', adapter, m.login!, m.open!, {
        alg: 'HS256',
      }),
    ];
  });
}

/**
 * The floors (bench/floor): a Nest app whose guard only checks the signature with node:crypto
 * and `exp`, on the same distinct tokens as the cold rows; and, with HS256, a guard that checks
 * nothing, the floor of the warm rows (what Nest's guard and parameter machinery cost).
 */
function floorSession(ctx: HttpContext, adapter: Adapter, alg: Alg): Promise<Row[]> {
  const name = `floor ${adapter} ${alg}`;
  const env = { HTTP_ADAPTER: adapter, ...ctx.keys[alg].env };
  return withServer(ctx, name, paths.floor, env, async (port) => {
    const tokens = ctx.tokenFiles[alg];
    await expectStatus(port, '/profile', tokens.first, 200, name);
    const auth = { Authorization: `Bearer ${tokens.first}` };
    const variants: Variant[] = [
      { key: 'open', request: () => ({ path: '/public', headers: auth }) },
      { key: 'cold', ...coldTokens(ctx, alg) },
    ];
    // The guard that checks nothing does not depend on the algorithm: measured once.
    if (alg === 'HS256') {
      await expectStatus(port, '/accepted', tokens.first, 200, name);
      variants.push({ key: 'accept', request: () => ({ path: '/accepted', headers: auth }) });
    }
    const m = await measureSession(port, variants, ctx.log);
    const label = `floor: signature check only, ${alg}, cold tokens`;
    return [
      row(`floor-${alg}-cold`, label, 'floor', adapter, m.cold!, m.open!, { alg, tokens: 'cold' }),
      ...(m.accept
        ? [
            row(
              'floor-accept',
              'floor: a guard that checks nothing',
              'floor',
              adapter,
              m.accept,
              m.open!,
              {
                tokens: 'warm',
              },
            ),
          ]
        : []),
    ];
  });
}

/** The official recipe: open and guarded, with one token reused. */
function recipeSession(ctx: HttpContext, adapter: Adapter, alg: Alg): Promise<Row[]> {
  const name = `recipe ${adapter} ${alg}`;
  const env = { HTTP_ADAPTER: adapter, ...ctx.keys[alg].env };
  return withServer(ctx, name, paths.recipe, env, async (port) => {
    const token = await recipeLogin(port);
    const reply = await expectStatus(port, '/profile', token, 200, name);
    if (reply.body.userId !== 1)
      throw new Error(`${name}: unexpected /profile ${JSON.stringify(reply.body)}`);
    const auth = { Authorization: `Bearer ${token}` };
    const m = await measureSession(
      port,
      [
        { key: 'open', request: () => ({ path: '/public', headers: auth }) },
        { key: 'guarded', request: () => ({ path: '/profile', headers: auth }) },
      ],
      ctx.log,
    );
    return [
      row(`recipe-${alg}`, `recipe guard, ${alg}`, 'recipe', adapter, m.guarded!, m.open!, {
        alg,
        tokens: 'warm',
      }),
    ];
  });
}

/** Our guard with a shared store and revocation 'all' (the default): open and warm HS256. */
function storeSession(ctx: HttpContext, adapter: Adapter, store: StoreKind): Promise<Row[]> {
  const name = `sample ${adapter} HS256 ${store}`;
  const env = sampleEnv(ctx, adapter, 'HS256', store);
  return withServer(ctx, name, paths.sample, env, async (port) => {
    const { access, refresh } = await sampleLogin(port);
    ctx.trackToken(store, access);
    ctx.trackToken(store, refresh);
    await expectStatus(port, '/profile', access, 200, name);
    const auth = { Authorization: `Bearer ${access}` };
    const m = await measureSession(
      port,
      [
        { key: 'open', request: () => ({ path: '/public', headers: auth }) },
        { key: 'warm', request: () => ({ path: '/profile', headers: auth }) },
      ],
      ctx.log,
    );
    const label = `our guard, HS256, warm, ${store === 'redis' ? 'Redis' : 'PostgreSQL'} store`;
    return [
      row(`store-${store}`, label, 'store', adapter, m.warm!, m.open!, {
        alg: 'HS256',
        tokens: 'warm',
        store,
        note: "revocation 'all'",
      }),
    ];
  });
}

/** Starts one server process (logged as `name`), measures it, and stops it whatever happens. */
async function withServer<T>(
  ctx: HttpContext,
  name: string,
  script: string,
  env: Record<string, string>,
  measure: (port: number) => Promise<T>,
): Promise<T> {
  ctx.log(`  ${name}`);
  const server = await startServer(name, script, env);
  try {
    return await measure(server.port);
  } finally {
    await server.stop();
  }
}

/**
 * The cold variant: GET /profile through `alg`'s minted tokens, each run going on where the
 * previous one stopped (warm-up and paced runs included), so that a token is never sent twice
 * while it could still be cached.
 */
function coldTokens(ctx: HttpContext, alg: Alg): Pick<Variant, 'request' | 'after'> {
  const tokens = ctx.tokenFiles[alg];
  let offset = 0;
  return {
    request: () => ({
      path: '/profile',
      script: ctx.lua.cycle,
      args: ['/profile', tokens.file, '0', String(offset % tokens.count)],
    }),
    after: (result) => void (offset += result.requests),
  };
}

/**
 * The same routes with the same headers and tokens, each connection pausing `pauseMs` before each
 * request: the offered load is the same for all of them.
 */
function pacedVariants(ctx: HttpContext, variants: Variant[], pauseMs: number): Variant[] {
  const pause = String(pauseMs);
  return variants.map((variant) => ({
    ...variant,
    request: () => {
      const request = variant.request();
      if (request.script === undefined) return { ...request, script: ctx.lua.paced, args: [pause] };
      if (request.script === ctx.lua.cycle) {
        // paced-cycle.lua: cycle.lua's arguments, 0 (no stop after N), then the pause.
        return { ...request, script: ctx.lua.pacedCycle, args: [...request.args!, '0', pause] };
      }
      throw new Error(`${variant.key}: no paced form of ${request.script}`);
    },
  }));
}

/** Per-connection pause that offers `settings.latencyLoad` of `rps` over the connections. */
function paceFor(rps: number): number {
  const perConnection = (settings.latencyLoad * rps) / settings.connections;
  return Math.max(1, Math.round(1000 / perConnection));
}

function fmtRate(pauseMs: number): string {
  return Math.round((settings.connections * 1000) / pauseMs).toLocaleString('en-US');
}

function row(
  id: string,
  label: string,
  group: Row['group'],
  adapter: Adapter,
  measured: Measured,
  open: Measured,
  extra: Partial<Pick<Row, 'alg' | 'tokens' | 'store' | 'note' | 'paced'>> = {},
): Row {
  return {
    id,
    label,
    group,
    adapter,
    ...extra,
    measured,
    open,
    ratio: pairedRatio(measured, open, (r) => r.rps),
    p99Ratio: pairedRatio(measured, open, (r) => r.p99),
  };
}
