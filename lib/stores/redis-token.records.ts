import type { RevocationEntry, SessionRecord, TokenRecord } from './token-store.js';

/** A Redis hash as field → value. */
export type Hash = Record<string, string>;

/** A token from its hash (see `redis-token.scripts.ts`); `undefined` when the key is gone. */
export function toToken(jti: string, hash: Hash): TokenRecord | undefined {
  if (hash.sid === undefined || hash.state === undefined) return undefined;
  return {
    jti,
    sid: hash.sid,
    sub: hash.sub ?? '',
    obj: hash.obj === 'refresh' ? 'refresh' : 'access',
    issuedAt: Number(hash.iat),
    expiresAt: Number(hash.exp),
    ...(hash.parent !== undefined && { parent: hash.parent }),
    state: hash.state as TokenRecord['state'],
    ...(hash.ended !== undefined && { endedAt: Number(hash.ended) }),
  };
}

/** A session from its hash; `undefined` when the key is gone. */
export function toSession(sid: string, hash: Hash): SessionRecord | undefined {
  if (hash.sub === undefined) return undefined;
  return {
    sid,
    sub: hash.sub,
    createdAt: Number(hash.created),
    expiresAt: Number(hash.exp),
    lastUsedAt: Number(hash.last),
    ...(hash.ua !== undefined && { userAgent: hash.ua }),
    ...(hash.ip !== undefined && { ip: hash.ip }),
    ...(hash.revoked !== undefined && { revokedAt: Number(hash.revoked) }),
  };
}

/** `[id, record]` pairs from READ_RECORDS' records: `[id, [field, value, ...], id, [...], ...]`. */
export function toRecords<T>(
  flat: unknown[],
  parse: (id: string, hash: Hash) => T | undefined,
): Array<[string, T]> {
  const result: Array<[string, T]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const fields = Array.isArray(flat[i + 1]) ? (flat[i + 1] as string[]) : [];
    const hash: Hash = {};
    for (let f = 0; f + 1 < fields.length; f += 2) hash[fields[f]!] = fields[f + 1]!;
    const id = String(flat[i]);
    const record = parse(id, hash);
    if (record !== undefined) result.push([id, record]);
  }
  return result;
}

/** A revocation from its log member, `kind|expiresAt|id`. */
export function toRevocation(member: string): RevocationEntry | undefined {
  const first = member.indexOf('|');
  const second = member.indexOf('|', first + 1);
  const kind = member.slice(0, first);
  if (first < 0 || second < 0 || (kind !== 'token' && kind !== 'session')) return undefined;
  return { kind, id: member.slice(second + 1), expiresAt: Number(member.slice(first + 1, second)) };
}
