import { MONEY_LUA } from './money-lua';

/** Milliseconds every rate limit counts over: limits are per minute. */
export const RATE_WINDOW_MS = 60_000;

/**
 * Admission, one atomic step for every replica: rate limits (a sliding-window log per scope) and funds, checked
 * together and taken together — nothing is taken when any part refuses.
 *
 * KEYS: funds, pending, holds, held, then (log, tokens) for each scope that has a limit, then — only for a key with
 *       a spending cap — the key's funds, pending, holds, held.
 * ARGV: request id, credit limit (nano-USD), worst-case cost (nano-USD), hold TTL (ms), estimated tokens, scope
 *       count, then (RPM, TPM) per scope (0 = no such limit), then the key's cap (nano-USD) when it has one.
 * Returns {status, retry-after ms, request limit, remaining, reset ms, token limit, remaining, reset ms, available,
 * key available}: status 1 admitted, 0 rate-limited, 2 insufficient funds, 3 more tokens than the TPM limit allows at
 * all, 4 over the key's spending cap, -1 the committed debt is unknown, -2 the key's committed spend is unknown (seed
 * it, then call again); a limit of -1 means no limit of that kind. An empty request id only reads the limits (takes
 * nothing). Time is Redis's own clock, the same for every replica.
 *
 * A capped key's hold is the same worst case, held against the key too, under the same deadline: the cap is
 * checked and taken in the same step as the account's funds (committed spend + pending + holds + this request ≤
 * cap), so concurrent requests on any replica cannot overspend it. Without a cap none of this runs.
 */
export const ADMIT_LUA = `${MONEY_LUA}
local WINDOW = ${RATE_WINDOW_MS}
local funds, pending, holds, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, tokens = ARGV[1], tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local committed = redis.call('HGET', funds, 'committed')
local peek = id == ''
if not committed and not peek then return {-1, 0, -1, 0, 0, -1, 0, 0, '0', '0'} end

-- A key with a spending cap of its own: its four keys follow the scopes', its cap the scopes' limits.
local scopeCount = tonumber(ARGV[6])
local keyCap = ARGV[7 + 2 * scopeCount]
local keyFunds, keyPending, keyHolds, keyHeld, keySpent
if keyCap and keyCap ~= '' and not peek then
  local base = 4 + 2 * scopeCount
  keyFunds, keyPending, keyHolds, keyHeld = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  keySpent = redis.call('HGET', keyFunds, 'committed')
  if not keySpent then return {-2, 0, -1, 0, 0, -1, 0, 0, '0', '0'} end
else
  keyCap = nil
end

-- Holds past their deadline lapse (a gateway that died while holding them), however busy the account is.
local function purgeLapsed(holdSet, heldHash)
  local lapsed = redis.call('ZRANGEBYSCORE', holdSet, '-inf', now)
  if #lapsed == 0 then return end
  local reserved = money(redis.call('HGET', heldHash, '_total'))
  for _, lapsedId in ipairs(lapsed) do
    local amount = redis.call('HGET', heldHash, lapsedId)
    if amount then
      reserved = minus(reserved, money(amount))
      redis.call('HDEL', heldHash, lapsedId)
    end
  end
  redis.call('HSET', heldHash, '_total', text(reserved))
  redis.call('ZREMRANGEBYSCORE', holdSet, '-inf', now)
end
purgeLapsed(holds, held)

local amount = money(ARGV[3])
local available = minus(minus(minus(money(ARGV[2]), money(committed)), money(redis.call('HGET', pending, '_total'))), money(redis.call('HGET', held, '_total')))
local keyAvailable = {0, 0}
if keyCap then
  purgeLapsed(keyHolds, keyHeld)
  keyAvailable = minus(minus(minus(money(keyCap), money(keySpent)), money(redis.call('HGET', keyPending, '_total'))), money(redis.call('HGET', keyHeld, '_total')))
end

-- Each scope's window: entries older than WINDOW leave it, with their tokens.
local scopes = {}
for index = 1, scopeCount do
  local log, weights = KEYS[3 + 2 * index], KEYS[4 + 2 * index]
  local expired = redis.call('ZRANGEBYSCORE', log, '-inf', now - WINDOW)
  if #expired > 0 then
    local freed = 0
    for _, expiredId in ipairs(expired) do
      freed = freed + (tonumber(redis.call('HGET', weights, expiredId)) or 0)
      redis.call('HDEL', weights, expiredId)
    end
    redis.call('HINCRBY', weights, '_total', -freed)
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - WINDOW)
  end
  local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
  scopes[index] = {
    log = log, weights = weights,
    rpm = tonumber(ARGV[5 + 2 * index]), tpm = tonumber(ARGV[6 + 2 * index]),
    count = redis.call('ZCARD', log),
    total = tonumber(redis.call('HGET', weights, '_total')) or 0,
    oldest = oldest[2] and tonumber(oldest[2]) or nil,
  }
end

-- When the request fits in a scope's RPM window (0 = now), and the same for its tokens (-1 = never).
local function requestWait(scope)
  if scope.rpm == 0 or scope.count < scope.rpm then return 0 end
  local leaving = redis.call('ZRANGE', scope.log, scope.count - scope.rpm, scope.count - scope.rpm, 'WITHSCORES')
  return math.max(1, tonumber(leaving[2]) + WINDOW - now)
end
local function tokenWait(scope)
  if scope.tpm == 0 or scope.total + tokens <= scope.tpm then return 0 end
  if tokens > scope.tpm then return -1 end
  local needed, freed = scope.total + tokens - scope.tpm, 0
  local entries = redis.call('ZRANGE', scope.log, 0, -1, 'WITHSCORES')
  for position = 1, #entries, 2 do
    freed = freed + (tonumber(redis.call('HGET', scope.weights, entries[position])) or 0)
    if freed >= needed then return math.max(1, tonumber(entries[position + 1]) + WINDOW - now) end
  end
  return WINDOW
end

local status, retry = 1, 0
local waits = {}
for index, scope in ipairs(scopes) do
  local forRequests, forTokens = requestWait(scope), tokenWait(scope)
  waits[index] = {forRequests, forTokens}
  if forTokens == -1 then status = 3
  elseif status ~= 3 and (forRequests > 0 or forTokens > 0) then
    status = 0
    retry = math.max(retry, forRequests, forTokens)
  end
end
if status == 1 and compare(amount, available) > 0 then status = 2 end
if status == 1 and keyCap and compare(amount, keyAvailable) > 0 then status = 4 end

if status == 1 and not peek then
  redis.call('ZADD', holds, now + tonumber(ARGV[4]), id)
  redis.call('PEXPIRE', holds, tonumber(ARGV[4]) + WINDOW)
  redis.call('HSET', held, id, ARGV[3], '_total', text(plus(money(redis.call('HGET', held, '_total')), amount)))
  redis.call('PEXPIRE', held, tonumber(ARGV[4]) + WINDOW)
  available = minus(available, amount)
  if keyCap then
    redis.call('ZADD', keyHolds, now + tonumber(ARGV[4]), id)
    redis.call('PEXPIRE', keyHolds, tonumber(ARGV[4]) + WINDOW)
    redis.call('HSET', keyHeld, id, ARGV[3], '_total', text(plus(money(redis.call('HGET', keyHeld, '_total')), amount)))
    redis.call('PEXPIRE', keyHeld, tonumber(ARGV[4]) + WINDOW)
    keyAvailable = minus(keyAvailable, amount)
  end
  for _, scope in ipairs(scopes) do
    redis.call('ZADD', scope.log, now, id)
    redis.call('HSET', scope.weights, id, tokens)
    redis.call('HINCRBY', scope.weights, '_total', tokens)
    redis.call('PEXPIRE', scope.log, WINDOW + 1000)
    redis.call('PEXPIRE', scope.weights, WINDOW + 1000)
    scope.count, scope.total = scope.count + 1, scope.total + tokens
    if not scope.oldest then scope.oldest = now end
  end
end

-- The headers: the tightest limit of each kind (least remaining), as it stands after this request.
local function tightest(limitOf, usedOf, kind)
  local limit, remaining, reset = -1, 0, 0
  for index, scope in ipairs(scopes) do
    local cap = limitOf(scope)
    if cap > 0 and (limit == -1 or math.max(0, cap - usedOf(scope)) < remaining) then
      limit, remaining = cap, math.max(0, cap - usedOf(scope))
      if waits[index][kind] > 0 then reset = waits[index][kind]
      elseif scope.oldest then reset = math.max(0, scope.oldest + WINDOW - now)
      else reset = 0 end
    end
  end
  return limit, remaining, reset
end
local requestLimit, requestRemaining, requestReset = tightest(function(scope) return scope.rpm end, function(scope) return scope.count end, 1)
local tokenLimit, tokenRemaining, tokenReset = tightest(function(scope) return scope.tpm end, function(scope) return scope.total end, 2)
return {status, retry, requestLimit, requestRemaining, requestReset, tokenLimit, tokenRemaining, tokenReset, text(available), text(keyAvailable)}
`;
