import { createHash } from 'node:crypto';

/**
 * The Lua scripts of `RedisTokenStore`. Each runs atomically on the server, so every multi-step
 * write (login, rotation, revocation, purge) is all-or-nothing and concurrent rotations of one
 * refresh token are serialised.
 *
 * Key layout under the prefix `P` (every key carries a TTL):
 * - `P t:<jti>`   hash of a token: sid, sub, obj, iat, exp, parent?, state, ended?
 * - `P s:<sid>`   hash of a session: sub, created, exp, last, ua?, ip?, revoked?
 * - `P st:<sid>`  zset of the session's tokens (jti, scored by when their key expires)
 * - `P u:<sub>`   zset of the subject's sessions (sid, scored by when their key expires)
 * - `P tokens`, `P sessions`  zsets of every token / session, scored by `expiresAt` (purge, listing)
 * - `P rev:log`, `P rev:exp`  the revocation log, members `kind|expiresAt|id`, scored by sequence
 *   number and by expiry; `P rev:seq` the last sequence number (the cursor)
 * - `P revocations` the pub/sub channel that announces new revocations
 *
 * Arguments: ARGV[1] prefix, ARGV[2] retention (seconds kept after expiry), then per script.
 */

/** A script and its SHA1, for EVALSHA with an EVAL fallback. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(body: string): LuaScript {
  const source = `${PRELUDE}\n${body}`;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const PRELUDE = `
local P = ARGV[1]
local R = tonumber(ARGV[2])
local T = redis.call('TIME')
local CLOCK = tonumber(T[1])
local function key(kind, id) return P .. kind .. ':' .. id end
local function num(n) return string.format('%.0f', n) end

-- Sets the key's expiry to 'at' unless it already lives longer.
local function extend(k, at)
  local ttl = redis.call('TTL', k)
  if ttl == -2 then return end
  if ttl == -1 or ttl < at - CLOCK then redis.call('EXPIREAT', k, num(at)) end
end

-- Adds a member to an index scored by when the member's key expires; drops members already gone.
local function index(k, member, at)
  local cur = redis.call('ZSCORE', k, member)
  if not cur or tonumber(cur) < at then redis.call('ZADD', k, num(at), member) end
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. CLOCK)
  extend(k, at)
end

-- Adds a member to a global index scored by its expiresAt.
local function globalIndex(k, member, exp)
  redis.call('ZADD', k, num(exp), member)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. num(CLOCK - R))
  extend(k, exp + R)
end

-- Makes the session outlive 'at' (its tokens' keys), with its token and subject indexes.
local function touchSession(sid, at)
  local s = key('s', sid)
  local sub = redis.call('HGET', s, 'sub')
  if not sub then return end
  extend(s, at)
  extend(key('st', sid), at)
  index(key('u', sub), sid, at)
end

local function addToken(t)
  local k = key('t', t.jti)
  local at = t.expiresAt + R
  redis.call('DEL', k)
  redis.call('HSET', k, 'sid', t.sid, 'sub', t.sub, 'obj', t.obj, 'iat', num(t.issuedAt),
    'exp', num(t.expiresAt), 'state', 'active')
  if type(t.parent) == 'string' then redis.call('HSET', k, 'parent', t.parent) end
  redis.call('EXPIREAT', k, num(at))
  index(key('st', t.sid), t.jti, at)
  globalIndex(P .. 'tokens', t.jti, t.expiresAt)
  touchSession(t.sid, at)
end

-- Forgets up to 'limit' log entries that stopped mattering before 'before' (a ZRANGEBYSCORE
-- bound); returns how many.
local function dropRevocations(before, limit)
  local log, byExp = P .. 'rev:log', P .. 'rev:exp'
  local old = redis.call('ZRANGEBYSCORE', byExp, '-inf', before, 'LIMIT', 0, limit)
  for _, m in ipairs(old) do
    redis.call('ZREM', log, m)
    redis.call('ZREM', byExp, m)
  end
  return #old
end

-- Appends to the revocation log and announces it. 'exp' is when the entry stops mattering (the
-- revoked thing's expiry plus the module's leeway). Sequence numbers never go backwards, even
-- if the log expired or was flushed: they are at least the server time in microseconds.
local function logRevocation(kind, id, exp)
  local seqKey, log, byExp = P .. 'rev:seq', P .. 'rev:log', P .. 'rev:exp'
  local last = tonumber(redis.call('GET', seqKey) or '0')
  local seq = num(math.max(last + 1, CLOCK * 1000000 + tonumber(T[2])))
  redis.call('SET', seqKey, seq, 'KEEPTTL')
  local member = kind .. '|' .. num(exp) .. '|' .. id
  redis.call('ZADD', log, seq, member)
  redis.call('ZADD', byExp, num(exp), member)
  dropRevocations('(' .. CLOCK, 256)
  for _, k in ipairs({ seqKey, log, byExp }) do extend(k, exp + R) end
  redis.call('PUBLISH', P .. 'revocations', seq)
end

-- Revokes a session and every token of it; false if it already was. Its revocation lasts until
-- its longest-lived token expires, plus 'leeway'.
local function endSession(sid, now, leeway)
  local s = key('s', sid)
  if redis.call('HEXISTS', s, 'revoked') == 1 then return false end
  redis.call('HSET', s, 'revoked', num(now))
  local horizon = tonumber(redis.call('HGET', s, 'exp'))
  for _, jti in ipairs(redis.call('ZRANGE', key('st', sid), 0, -1)) do
    local t = key('t', jti)
    local state = redis.call('HGET', t, 'state')
    if state then
      local exp = tonumber(redis.call('HGET', t, 'exp'))
      if exp > horizon then horizon = exp end
      if state ~= 'revoked' then
        redis.call('HSET', t, 'state', 'revoked')
        redis.call('HSETNX', t, 'ended', num(now))
      end
    end
  end
  logRevocation('session', sid, horizon + leeway)
  return true
end
`;

/** ARGV[3] session JSON, ARGV[4] tokens JSON. */
export const CREATE_SESSION = script(`
local s = cjson.decode(ARGV[3])
local tokens = cjson.decode(ARGV[4])
local k = key('s', s.sid)
redis.call('DEL', k)
redis.call('HSET', k, 'sub', s.sub, 'created', num(s.createdAt), 'exp', num(s.expiresAt),
  'last', num(s.createdAt))
if type(s.userAgent) == 'string' then redis.call('HSET', k, 'ua', s.userAgent) end
if type(s.ip) == 'string' then redis.call('HSET', k, 'ip', s.ip) end
redis.call('EXPIREAT', k, num(s.expiresAt + R))
globalIndex(P .. 'sessions', s.sid, s.expiresAt)
touchSession(s.sid, s.expiresAt + R)
for _, t in ipairs(tokens) do addToken(t) end
return 1
`);

/** ARGV[3] RotateRefreshInput JSON. Returns the outcome. */
export const ROTATE = script(`
local input = cjson.decode(ARGV[3])
local t, s = key('t', input.jti), key('s', input.sid)
local sid = redis.call('HGET', t, 'sid')
if not sid or sid ~= input.sid or redis.call('EXISTS', s) == 0 then return 'unknown' end
local state = redis.call('HGET', t, 'state')
if redis.call('HEXISTS', s, 'revoked') == 1 then return 'session_revoked' end
if state == 'revoked' then return 'revoked' end
if state == 'retired' then
  local grace = tonumber(input.reuseGrace) or 0
  local ended = tonumber(redis.call('HGET', t, 'ended') or '0')
  if grace > 0 and input.now - ended <= grace then return 'superseded' end
  endSession(input.sid, input.now, tonumber(input.leeway) or 0)
  return 'reused'
end
if input.retire then redis.call('HSET', t, 'state', 'retired', 'ended', num(input.now)) end
for _, next in ipairs(input.tokens) do addToken(next) end
local exp = math.max(tonumber(redis.call('HGET', s, 'exp')), input.sessionExpiresAt)
redis.call('HSET', s, 'last', num(input.now), 'exp', num(exp))
globalIndex(P .. 'sessions', input.sid, exp)
touchSession(input.sid, exp + R)
return 'rotated'
`);

/** ARGV[3] jti, ARGV[4] now, ARGV[5] leeway. Returns 1 if known. */
export const REVOKE_TOKEN = script(`
local t = key('t', ARGV[3])
local state = redis.call('HGET', t, 'state')
if not state then return 0 end
if state ~= 'revoked' then
  redis.call('HSET', t, 'state', 'revoked', 'ended', ARGV[4])
  logRevocation('token', ARGV[3], tonumber(redis.call('HGET', t, 'exp')) + tonumber(ARGV[5]))
end
return 1
`);

/** ARGV[3] sid, ARGV[4] now, ARGV[5] leeway. Returns 1 if known. */
export const REVOKE_SESSION = script(`
if redis.call('EXISTS', key('s', ARGV[3])) == 0 then return 0 end
endSession(ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
return 1
`);

/** ARGV[3] sub, ARGV[4] now, ARGV[5] leeway. Returns the ids of the sessions it revoked. */
export const REVOKE_SUBJECT = script(`
local revoked = {}
for _, sid in ipairs(redis.call('ZRANGE', key('u', ARGV[3]), 0, -1)) do
  if redis.call('EXISTS', key('s', sid)) == 1 and endSession(sid, tonumber(ARGV[4]), tonumber(ARGV[5])) then
    revoked[#revoked + 1] = sid
  end
end
return revoked
`);

/** ARGV[3] cursor ('' for none). Returns { last sequence number, members after the cursor }. */
export const REVOCATIONS_SINCE = script(`
local from = ARGV[3] == '' and '-inf' or '(' .. ARGV[3]
return { redis.call('GET', P .. 'rev:seq') or '0',
  redis.call('ZRANGEBYSCORE', P .. 'rev:log', from, '+inf') }
`);

/**
 * One bounded step through an index: ARGV[3] index key (after the prefix), ARGV[4] record kind
 * ('t', 's', or '' for the ids alone), ARGV[5]/ARGV[6] score range, ARGV[7] members to skip at
 * the start of the range, ARGV[8] members to read, ARGV[9] token status ('', 'active' or
 * 'expired') at ARGV[10] now, ARGV[11] subject ('' for any). Returns { members read, score of
 * the last, how many of them had that score, id, HGETALL, id, HGETALL, ... } for the records
 * that exist and match.
 */
export const READ_RECORDS = script(`
local kind, status, now, sub = ARGV[4], ARGV[9], tonumber(ARGV[10]), ARGV[11]
local page = redis.call('ZRANGEBYSCORE', P .. ARGV[3], ARGV[5], ARGV[6], 'WITHSCORES',
  'LIMIT', tonumber(ARGV[7]), tonumber(ARGV[8]))
local last, ties = '', 0
local out = { #page / 2, last, ties }
for i = 1, #page, 2 do
  local id, score = page[i], page[i + 1]
  if score == last then ties = ties + 1 else last, ties = score, 1 end
  if kind == '' then
    out[#out + 1] = id
    out[#out + 1] = {}
  else
    local h = redis.call('HGETALL', key(kind, id))
    local f = {}
    for j = 1, #h, 2 do f[h[j]] = h[j + 1] end
    local keep = #h > 0 and (sub == '' or f.sub == sub)
    if keep and status == 'active' then keep = f.state == 'active' and tonumber(f.exp) > now end
    if keep and status == 'expired' then keep = tonumber(f.exp) <= now end
    if keep then
      out[#out + 1] = id
      out[#out + 1] = h
    end
  end
end
out[2], out[3] = last, ties
return out
`);

/** ARGV[3] jti, ARGV[4] sid. Returns 1 when the token or its session is revoked. */
export const IS_REVOKED = script(`
if redis.call('HEXISTS', key('s', ARGV[4]), 'revoked') == 1 then return 1 end
if redis.call('HGET', key('t', ARGV[3]), 'state') == 'revoked' then return 1 end
return 0
`);

/** ARGV[3] before, ARGV[4] batch size. Returns { deleted records, 1 if more remain }. */
export const PURGE = script(`
local before, limit = '(' .. ARGV[3], tonumber(ARGV[4])
local count, more = 0, 0
local jtis = redis.call('ZRANGEBYSCORE', P .. 'tokens', '-inf', before, 'LIMIT', 0, limit)
for _, jti in ipairs(jtis) do
  local t = key('t', jti)
  local sid = redis.call('HGET', t, 'sid')
  if sid then
    redis.call('DEL', t)
    redis.call('ZREM', key('st', sid), jti)
    count = count + 1
  end
  redis.call('ZREM', P .. 'tokens', jti)
end
local sids = redis.call('ZRANGEBYSCORE', P .. 'sessions', '-inf', before, 'LIMIT', 0, limit)
for _, sid in ipairs(sids) do
  local s = key('s', sid)
  local sub = redis.call('HGET', s, 'sub')
  if sub then
    redis.call('DEL', s, key('st', sid))
    redis.call('ZREM', key('u', sub), sid)
    count = count + 1
  end
  redis.call('ZREM', P .. 'sessions', sid)
end
local revs = dropRevocations(before, limit)
if #jtis == limit or #sids == limit or revs == limit then more = 1 end
return { count, more }
`);
