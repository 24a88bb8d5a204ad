-- Decoding and encoding of a user's field; see state-value.ts for the layout.
-- The constants (MINUTES, SCHOOLS, IN_BASE, OUT_BASE, SPAN, CLOCK) are
-- prepended by state-scripts.ts from the TypeScript module.

-- A table { checkIn, checkOut?, school?, pending, since? }, or nil for no state.
local function decode(raw)
  if not raw then return nil end
  local value = tonumber(raw)
  if value >= SPAN then
    local payload = value % SPAN
    local times = math.floor(payload / SCHOOLS)
    local out = math.floor(times / MINUTES)
    return { checkIn = times % MINUTES, checkOut = (out > 0) and (out - 1) or nil, school = payload % SCHOOLS,
             pending = true, since = math.floor(value / SPAN) - 1 }
  end
  if value >= OUT_BASE then
    local times = value - OUT_BASE
    return { checkIn = times % MINUTES, checkOut = math.floor(times / MINUTES), pending = false }
  end
  local times = value - IN_BASE
  return { checkIn = times % MINUTES, school = math.floor(times / MINUTES), pending = false }
end

local function confirmed(state)
  if state.checkOut then return OUT_BASE + state.checkIn + MINUTES * state.checkOut end
  return IN_BASE + state.checkIn + MINUTES * state.school
end

local function pending(state, now)
  local times = state.checkIn
  if state.checkOut then times = times + MINUTES * (state.checkOut + 1) end
  return SPAN * (now + 1) + times * SCHOOLS + state.school
end

-- Redis's own clock, so every service instance measures a claim's age alike.
local function clock()
  local time = redis.call('TIME')
  return (tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) % CLOCK
end

-- Integers as decimal strings: Lua 5.1 would print large numbers in exponent notation.
local function int(number)
  return string.format('%d', number)
end
