import { paths, settings } from './config.js';
import { expectStatus } from './http.js';
import { rssKb, sleep, startServer } from './processes.js';
import { sampleEnv, type HttpContext } from './scenarios.js';
import { runWrk } from './wrk.js';

/** Item 5 of the issue: RSS after a few requests, and after many with many distinct tokens. */
export interface MemoryResult {
  adapter: 'fastify';
  alg: 'HS256';
  distinctTokens: number;
  rssStartKb: number;
  /** RSS after `firstRequests` requests, and after `totalRequests`. */
  firstRequests: number;
  rssFirstKb: number;
  totalRequests: number;
  rssTotalKb: number;
  /** Highest RSS of the whole run (VmHWM). */
  rssPeakKb: number;
  ratio: number;
  non2xx: number;
  seconds: number;
}

/**
 * Runs the sample (Fastify, HS256, memory store) and cycles through `memoryTokens` distinct
 * tokens: RSS (VmRSS) after `memoryFirst` requests, then after `memoryTotal`.
 */
export async function runMemory(ctx: HttpContext): Promise<MemoryResult> {
  const tokens = ctx.tokenFiles.HS256;
  const distinct = Math.min(settings.memoryTokens, tokens.count);
  const server = await startServer(
    'sample fastify HS256 (memory)',
    paths.sample,
    sampleEnv(ctx, 'fastify', 'HS256'),
  );
  const started = Date.now();
  try {
    await expectStatus(server.port, '/profile', tokens.first, 200, 'memory: minted token');
    const rssStartKb = rssKb(server.pid);
    let sent = 0;
    let non2xx = 0;
    const drive = async (target: number): Promise<void> => {
      let rate = 0;
      while (sent < target) {
        const remaining = target - sent;
        const seconds = rate > 0 ? Math.min(15, Math.ceil(remaining / rate) + 1) : 3;
        const result = await runWrk(
          server.port,
          {
            path: '/profile',
            script: ctx.lua.counted,
            args: [
              '/profile',
              tokens.file,
              String(distinct),
              String(sent % distinct),
              String(remaining),
            ],
          },
          seconds,
        );
        if (result.requests === 0) throw new Error('memory: wrk sent no request');
        if (result.requests < remaining) rate = result.requests / result.seconds;
        sent += result.requests;
        non2xx += result.non2xx;
      }
    };
    await drive(settings.memoryFirst);
    await sleep(1000);
    const firstRequests = sent;
    const rssFirstKb = rssKb(server.pid);
    ctx.log(
      `    ${sent.toLocaleString('en-US')} requests: RSS ${(rssFirstKb / 1024).toFixed(1)} MiB`,
    );
    await drive(settings.memoryTotal);
    await sleep(1000);
    const rssTotalKb = rssKb(server.pid);
    const rssPeakKb = rssKb(server.pid, 'VmHWM');
    ctx.log(
      `    ${sent.toLocaleString('en-US')} requests: RSS ${(rssTotalKb / 1024).toFixed(1)} MiB`,
    );
    return {
      adapter: 'fastify',
      alg: 'HS256',
      distinctTokens: distinct,
      rssStartKb,
      firstRequests,
      rssFirstKb,
      totalRequests: sent,
      rssTotalKb,
      rssPeakKb,
      ratio: rssTotalKb / rssFirstKb,
      non2xx,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await server.stop();
  }
}
