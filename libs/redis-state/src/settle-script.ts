import { RATE_WINDOW_MS } from './admission-script';
import { MONEY_LUA } from './money-lua';

/**
 * Ends a hold: drops it (if it is still there — a lapsed or unknown hold changes nothing), records the request's
 * actual cost as pending until the billing worker commits it (once per request id), and corrects each scope's token
 * count to the tokens actually used (while the request is still in its window).
 *
 * KEYS: pending, holds, held, then (log, tokens) per scope, then — for a key with a spending cap — the key's funds,
 * pending, holds, held. ARGV: request id, actual cost in nano-USD ('' to release without a cost), actual tokens ('' to
 * leave the estimate), scope count, '1' when the key's keys are given. The key's hold ends the same way, and its cost
 * is pending for the key too while the key's spend is tracked (its hold was there, or its committed spend is).
 */
export const SETTLE_LUA = `${MONEY_LUA}
local PENDING_TTL = 7 * 24 * 3600 * 1000
local pending, holds, held, id = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local hold = redis.call('HGET', held, id)
if hold then
  redis.call('HDEL', held, id)
  redis.call('HSET', held, '_total', text(minus(money(redis.call('HGET', held, '_total')), money(hold))))
  redis.call('ZREM', holds, id)
end
if ARGV[2] ~= '' and ARGV[2] ~= '0' and redis.call('HEXISTS', pending, id) == 0 then
  redis.call('HSET', pending, id, ARGV[2], '_total', text(plus(money(redis.call('HGET', pending, '_total')), money(ARGV[2]))))
  redis.call('PEXPIRE', pending, PENDING_TTL)
end
if ARGV[5] == '1' then
  local base = 3 + 2 * tonumber(ARGV[4])
  local keyFunds, keyPending, keyHolds, keyHeld = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  local keyHold = redis.call('HGET', keyHeld, id)
  if keyHold then
    redis.call('HDEL', keyHeld, id)
    redis.call('HSET', keyHeld, '_total', text(minus(money(redis.call('HGET', keyHeld, '_total')), money(keyHold))))
    redis.call('ZREM', keyHolds, id)
  end
  local tracked = keyHold or redis.call('EXISTS', keyFunds) == 1
  if tracked and ARGV[2] ~= '' and ARGV[2] ~= '0' and redis.call('HEXISTS', keyPending, id) == 0 then
    redis.call('HSET', keyPending, id, ARGV[2], '_total', text(plus(money(redis.call('HGET', keyPending, '_total')), money(ARGV[2]))))
    redis.call('PEXPIRE', keyPending, PENDING_TTL)
  end
end
if ARGV[3] ~= '' then
  local actual = tonumber(ARGV[3])
  for index = 1, tonumber(ARGV[4]) do
    local weights = KEYS[3 + 2 * index]
    local before = redis.call('HGET', weights, id)
    if before then
      redis.call('HSET', weights, id, actual)
      redis.call('HINCRBY', weights, '_total', actual - tonumber(before))
    end
  end
end
return 1
`;

/**
 * Pushes a hold's deadline out (a long stream still running); nothing when the hold is gone. The hold's keys live
 * at least as long as the new deadline (plus the window), so a stream that outlives HOLD_TTL_MS on an otherwise idle
 * account does not see its hold expire with them while it still runs (admission sets their TTL only when it holds).
 * KEYS: holds, held, then the capped key's holds and held when there is one (its hold lives exactly as long).
 * ARGV: id, TTL ms.
 */
export const EXTEND_HOLD_LUA = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl = tonumber(ARGV[2])
local function extend(holds, held)
  if not redis.call('ZSCORE', holds, ARGV[1]) then return end
  redis.call('ZADD', holds, 'XX', now + ttl, ARGV[1])
  for _, key in ipairs({holds, held}) do
    if redis.call('PTTL', key) < ttl + ${RATE_WINDOW_MS} then redis.call('PEXPIRE', key, ttl + ${RATE_WINDOW_MS}) end
  end
end
extend(KEYS[1], KEYS[2])
if KEYS[3] then extend(KEYS[3], KEYS[4]) end
return 1
`;

/**
 * The ledger's committed debt, written after each commit by the billing worker (and when a replica seeds an
 * account it has no view of): set only if its version is newer than the one held, and the pending costs of the
 * committed request ids removed — one step, so a cost is never both committed and pending, nor neither.
 *
 * KEYS: funds, pending. ARGV: committed debt (nano-USD), its version, then the committed request ids.
 */
export const COMMIT_LUA = `${MONEY_LUA}
local FUNDS_TTL = 7 * 24 * 3600 * 1000
local funds, pending = KEYS[1], KEYS[2]
if #ARGV > 2 then
  local total = money(redis.call('HGET', pending, '_total'))
  local removed = false
  for index = 3, #ARGV do
    local cost = redis.call('HGET', pending, ARGV[index])
    if cost then
      total = minus(total, money(cost))
      redis.call('HDEL', pending, ARGV[index])
      removed = true
    end
  end
  if removed then redis.call('HSET', pending, '_total', text(total)) end
end
local current = redis.call('HGET', funds, 'version')
if not current or tonumber(ARGV[2]) > tonumber(current) then
  redis.call('HSET', funds, 'committed', ARGV[1], 'version', ARGV[2])
end
redis.call('PEXPIRE', funds, FUNDS_TTL)
return 1
`;
