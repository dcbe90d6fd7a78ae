/**
 * Exact money arithmetic for the Lua scripts. Amounts travel as nano-USD integer strings; Lua's numbers are doubles,
 * exact only below 2^53 (≈ 9 million USD in nano-USD), so a script holds an amount as a pair {units, nanos}:
 * value = units × 10^9 + nanos with 0 ≤ nanos < 10^9. Each part stays far below 2^53 (units up to ≈ 9·10^15 USD),
 * so sums and comparisons are exact, and amounts are written back as integer strings (never `tostring`, which
 * prints large doubles as `1e+15`).
 */
export const MONEY_LUA = `
local BILLION = 1000000000
local function money(text)
  if not text or text == '' then return {0, 0} end
  local negative = string.sub(text, 1, 1) == '-'
  if negative then text = string.sub(text, 2) end
  local length = string.len(text)
  local units = 0
  if length > 9 then units = tonumber(string.sub(text, 1, length - 9)) end
  local nanos = tonumber(string.sub(text, math.max(1, length - 8)))
  if not negative then return {units, nanos} end
  if nanos == 0 then return {-units, 0} end
  return {-units - 1, BILLION - nanos}
end
local function negate(a)
  if a[2] == 0 then return {-a[1], 0} end
  return {-a[1] - 1, BILLION - a[2]}
end
local function plus(a, b)
  local units, nanos = a[1] + b[1], a[2] + b[2]
  if nanos >= BILLION then return {units + 1, nanos - BILLION} end
  return {units, nanos}
end
local function minus(a, b) return plus(a, negate(b)) end
local function compare(a, b)
  if a[1] ~= b[1] then if a[1] < b[1] then return -1 else return 1 end end
  if a[2] ~= b[2] then if a[2] < b[2] then return -1 else return 1 end end
  return 0
end
local function text(a)
  if a[1] < 0 then return '-' .. text(negate(a)) end
  if a[1] == 0 then return string.format('%d', a[2]) end
  return string.format('%d%09d', a[1], a[2])
end
`;
