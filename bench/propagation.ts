import { paths, settings } from './config.js';
import { call, expectStatus, sampleLogin } from './http.js';
import { sleep, startServer } from './processes.js';
import { sampleEnv, type HttpContext, type StoreKind } from './scenarios.js';
import { median } from './sessions.js';

/** Item 3 of the issue: how long instance B keeps accepting a token that A revoked. */
export interface PropagationResult {
  store: StoreKind;
  runs: number;
  /** Milliseconds from A's 200 to logout until B's first 401 (each run). */
  delaysMs: number[];
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Runs where B still accepted the token after 10 s. */
  timeouts: number;
}

const GIVE_UP_MS = 10_000;

/**
 * Two sample instances (Fastify, HS256) share `store`. Each run: log in on A, check the token on
 * B, log out on A, then poll B's /profile every `propagationPollMs` until it answers 401
 * `token_revoked`. Runs start at random moments so that they sample the whole sync interval.
 */
export async function runPropagation(
  ctx: HttpContext,
  store: StoreKind,
): Promise<PropagationResult> {
  const env = sampleEnv(ctx, 'fastify', 'HS256', store);
  const a = await startServer(`sample A (${store})`, paths.sample, env);
  try {
    const b = await startServer(`sample B (${store})`, paths.sample, env);
    try {
      const delaysMs: number[] = [];
      let timeouts = 0;
      for (let run = 0; run < settings.propagationRuns; run++) {
        await sleep(Math.random() * 500);
        const { access, refresh } = await sampleLogin(a.port);
        ctx.trackToken(store, access);
        ctx.trackToken(store, refresh);
        await expectStatus(
          b.port,
          '/profile',
          access,
          200,
          `propagation ${store}: B before logout`,
        );
        const logout = await call(a.port, 'POST', '/api/auth/jwt/logout', { token: access });
        const acknowledged = performance.now();
        if (logout.status !== 200)
          throw new Error(`propagation ${store}: logout answered ${logout.status}`);
        await expectStatus(a.port, '/profile', access, 401, `propagation ${store}: A after logout`);
        const delay = await pollUntilRevoked(b.port, access, acknowledged);
        if (delay === undefined) timeouts++;
        else delaysMs.push(delay);
      }
      const result = {
        store,
        runs: settings.propagationRuns,
        delaysMs,
        minMs: Math.min(...delaysMs),
        medianMs: median(delaysMs),
        maxMs: Math.max(...delaysMs),
        timeouts,
      };
      ctx.log(
        `    ${store}: min ${result.minMs.toFixed(1)} ms, median ${result.medianMs.toFixed(1)} ms, ` +
          `max ${result.maxMs.toFixed(1)} ms${timeouts ? `, ${timeouts} timeouts` : ''}`,
      );
      return result;
    } finally {
      await b.stop();
    }
  } finally {
    await a.stop();
  }
}

/** Milliseconds from `since` until B answers 401 token_revoked; undefined after 10 s. */
async function pollUntilRevoked(
  port: number,
  token: string,
  since: number,
): Promise<number | undefined> {
  for (;;) {
    const tick = performance.now();
    const reply = await call(port, 'GET', '/profile', { token });
    if (reply.status === 401) {
      if (reply.body.code !== 'token_revoked') {
        throw new Error(
          `propagation: B answered 401 ${String(reply.body.code)}, expected token_revoked`,
        );
      }
      return performance.now() - since;
    }
    if (reply.status !== 200) throw new Error(`propagation: B answered ${reply.status}`);
    if (performance.now() - since > GIVE_UP_MS) return undefined;
    await sleep(Math.max(0, settings.propagationPollMs - (performance.now() - tick)));
  }
}
