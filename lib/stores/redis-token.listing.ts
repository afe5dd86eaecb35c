import { toRecords, toSession, toToken, type Hash } from './redis-token.records.js';
import { READ_RECORDS, type LuaScript } from './redis-token.scripts.js';
import {
  byExpiry,
  byIssue,
  tokenQueryLimit,
  type SessionRecord,
  type TokenQuery,
  type TokenRecord,
} from './token-store.js';

/** Runs one of the store's scripts (prefix and retention come first). */
export type ScriptRunner = (script: LuaScript, ...args: string[]) => Promise<unknown>;

/** Index members one READ_RECORDS step reads, so that no script holds Redis for long. */
export const READ_BATCH = 200;

/** A walk through one index (see READ_RECORDS). */
interface IndexWalk<T> {
  /** Key after the prefix. */
  index: string;
  /** Hash of each member to read (`t`, `s`), or `''` for the member ids alone. */
  kind: 't' | 's' | '';
  parse: (id: string, hash: Hash) => T | undefined;
  /** Score range, `ZRANGEBYSCORE` syntax. Default: all of it. */
  min?: string;
  max?: string;
  /** Token filters, applied by the script. */
  status?: TokenQuery['status'];
  now?: number;
  sub?: string;
  /** Stop once this many records matched. Default: no cap. */
  limit?: number;
}

/**
 * The records an index lists, in index order, read `READ_BATCH` members per script. Each step
 * resumes after the last score it saw (skipping the members already read at that score), so
 * that entries the scripts trim in between never make a walk skip a live record.
 */
export async function walkIndex<T>(run: ScriptRunner, walk: IndexWalk<T>): Promise<T[]> {
  const limit = walk.limit ?? Infinity;
  const result: T[] = [];
  const seen = new Set<string>();
  let from = walk.min ?? '-inf';
  let skip = 0;
  for (;;) {
    const answer = (await run(
      READ_RECORDS,
      walk.index,
      walk.kind,
      from,
      walk.max ?? '+inf',
      String(skip),
      String(READ_BATCH),
      walk.status ?? '',
      String(walk.now ?? 0),
      walk.sub ?? '',
    )) as unknown[];
    const read = Number(answer[0]);
    const last = String(answer[1]);
    const ties = Number(answer[2]);
    for (const [id, record] of toRecords(answer.slice(3), walk.parse)) {
      if (seen.has(id)) continue;
      seen.add(id);
      result.push(record);
      if (result.length >= limit) return result;
    }
    if (read < READ_BATCH) return result;
    skip = last === from ? skip + ties : ties;
    from = last;
  }
}

/**
 * `listTokens` on Redis. The per-session index (`st:`) and the global one (`tokens`) are
 * ordered by expiry, so the first `limit` matches are those that expire first; a subject's
 * tokens are gathered session by session and the earliest `limit` kept.
 */
export async function listTokens(run: ScriptRunner, query: TokenQuery): Promise<TokenRecord[]> {
  const limit = tokenQueryLimit(query);
  const filters = {
    kind: 't' as const,
    parse: toToken,
    now: query.now,
    limit,
    ...(query.status !== undefined && { status: query.status }),
    ...(query.sub !== undefined && { sub: query.sub }),
  };
  let tokens: TokenRecord[];
  if (query.sid !== undefined) {
    tokens = await walkIndex(run, { ...filters, index: `st:${query.sid}` });
  } else if (query.sub !== undefined) {
    const sids = await walkIndex(run, { index: `u:${query.sub}`, kind: '', parse: (id) => id });
    tokens = [];
    for (const sid of sids) {
      const found = await walkIndex(run, { ...filters, index: `st:${sid}` });
      if (found.length > 0) tokens = [...tokens, ...found].sort(byExpiry).slice(0, limit);
    }
  } else {
    // Scored by expiresAt itself: a status narrows the range.
    const range =
      query.status === 'active'
        ? { min: `(${query.now}` }
        : query.status === 'expired'
          ? { max: String(query.now) }
          : {};
    tokens = await walkIndex(run, { ...filters, ...range, index: 'tokens' });
  }
  return tokens.sort(byIssue);
}

/** Every session the subject's index lists, whatever its state. */
export function subjectSessions(run: ScriptRunner, sub: string): Promise<SessionRecord[]> {
  return walkIndex(run, { index: `u:${sub}`, kind: 's', parse: toSession, sub });
}
