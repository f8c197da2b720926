"""The Lua the store runs: one script per batch of requests, and the lease's and reset's own.

A script runs atomically on the store, so an attempt count, a token bucket or a capacity slot
is decided for all workers at once, in one place, without locks. Every key starts with the
prefix the caller passes first (`ARGV[1]`), so several servers may share one Redis database
under different prefixes. Times come from the store's own `TIME`: workers on several
machines agree on when a bucket refilled or a lease expires.

`BATCH` takes every operation of one event-loop tick (`server.shared.batch`) as one JSON
array of arrays after the prefix and the journal's bounds, and answers the config and reset
generations first, then one result per operation:

    a route key gen              attempt: the count before this one (0 first)
    t key rate burst gen         token: 0, or microseconds until a token is due

(`gen`: the config generation the worker decided under; when it is not the store's, the
operation does nothing and answers -2, and the worker decides again under the new one)
    c workers queue ticket       capacity: 1 granted, 0 queued (granted later on its
                                 worker's channel), -1 the queue is full
    x ticket                     cancel a queued ticket: 1 cancelled, 0 already granted
    r worker                     release a slot: hand it to the first queued ticket, if any
                                 (slots held are counted per worker too, `capw`, so a worker
                                 started again gives back what its predecessor held: RECLAIM)
    j peer entry                 journal one finished request (its peer counted, the
                                 oldest entries dropped past the bounds)
"""

from __future__ import annotations

from typing import Final

BATCH: Final = r"""
local p = ARGV[1]
local size = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = {tonumber(redis.call('GET', p .. 'config_gen') or '0'),
             tonumber(redis.call('GET', p .. 'reset_gen') or '0')}
local now = nil
local journaled = false
for _, a in ipairs(cjson.decode(ARGV[4])) do
  local op = a[1]
  if op == 'a' then
    if a[4] ~= out[1] then
      out[#out + 1] = -2
    else
      out[#out + 1] = redis.call('HINCRBY', p .. 'a:' .. a[2], a[3], 1) - 1
    end
  elseif op == 't' and a[5] ~= out[1] then
    out[#out + 1] = -2
  elseif op == 't' then
    if not now then
      local t = redis.call('TIME')
      now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    end
    local key, rate, burst = a[2], tonumber(a[3]), a[4]
    local held = redis.call('HGET', p .. 'buckets', key)
    local tokens, when = burst, now
    if held then
      local space = string.find(held, ' ', 1, true)
      tokens, when = tonumber(string.sub(held, 1, space - 1)), tonumber(string.sub(held, space + 1))
    end
    tokens = math.min(burst, tokens + math.max(0, now - when) * rate / 1000000)
    if tokens >= 1 then
      redis.call('HSET', p .. 'buckets', key, string.format('%.9f %d', tokens - 1, now))
      out[#out + 1] = 0
    else
      redis.call('HSET', p .. 'buckets', key, string.format('%.9f %d', tokens, now))
      out[#out + 1] = math.ceil((1 - tokens) / rate * 1000000)
    end
  elseif op == 'c' then
    local workers, queue = a[2], a[3]
    local busy = tonumber(redis.call('HGET', p .. 'cap', 'busy') or '0')
    local queued = redis.call('LLEN', p .. 'capq')
    if busy < workers and queued == 0 then
      redis.call('HINCRBY', p .. 'cap', 'busy', 1)
      redis.call('HINCRBY', p .. 'capw', string.match(a[4], '^([^:]*):'), 1)
      out[#out + 1] = 1
    elseif queued < queue then
      redis.call('RPUSH', p .. 'capq', a[4])
      out[#out + 1] = 0
    else
      out[#out + 1] = -1
    end
  elseif op == 'x' then
    out[#out + 1] = redis.call('LREM', p .. 'capq', 1, a[2])
  elseif op == 'r' then
    local ticket = redis.call('LPOP', p .. 'capq')
    if tonumber(redis.call('HGET', p .. 'capw', a[2]) or '0') > 0 then
      redis.call('HINCRBY', p .. 'capw', a[2], -1)
    end
    if ticket then
      local worker = string.match(ticket, '^([^:]*):')
      redis.call('HINCRBY', p .. 'capw', worker, 1)
      redis.call('PUBLISH', p .. 'grant:' .. worker, ticket)
    elseif tonumber(redis.call('HGET', p .. 'cap', 'busy') or '0') > 0 then
      redis.call('HINCRBY', p .. 'cap', 'busy', -1)
    end
    out[#out + 1] = 0
  elseif op == 'j' then
    local peer, entry = a[2], a[3]
    redis.call('RPUSH', p .. 'journal', peer .. '\t' .. entry)
    redis.call('INCR', p .. 'jtotal')
    redis.call('INCRBY', p .. 'jbytes', #peer + #entry + 1)
    if peer ~= '' then redis.call('HINCRBY', p .. 'jpeers', peer, 1) end
    journaled = true
    out[#out + 1] = 0
  else
    return redis.error_reply('unknown batch operation ' .. tostring(op))
  end
end
if journaled then
  local kept = redis.call('LLEN', p .. 'journal')
  local bytes = tonumber(redis.call('GET', p .. 'jbytes'))
  while kept > 0 and (kept > size or bytes > budget) do
    local old = redis.call('LPOP', p .. 'journal')
    local tab = string.find(old, '\t', 1, true)
    local peer = string.sub(old, 1, tab - 1)
    if peer ~= '' and redis.call('HINCRBY', p .. 'jpeers', peer, -1) <= 0 then
      redis.call('HDEL', p .. 'jpeers', peer)
    end
    bytes = bytes - #old
    kept = kept - 1
  end
  redis.call('SET', p .. 'jbytes', bytes)
end
return out
"""

# The journal from sequence number ARGV[2] on: total recorded, kept, bytes, connections,
# epoch, tag, then the entries (read in one go, so no entry is dropped between the figures).
JOURNAL: Final = r"""
local p = ARGV[1]
local since = tonumber(ARGV[2])
local total = tonumber(redis.call('GET', p .. 'jtotal') or '0')
local kept = redis.call('LLEN', p .. 'journal')
local first = total - kept + 1
local skip = math.max(0, since - first + 1)
local out = {total, kept, tonumber(redis.call('GET', p .. 'jbytes') or '0'),
             redis.call('HLEN', p .. 'jpeers'), redis.call('GET', p .. 'epoch') or '',
             redis.call('GET', p .. 'tag') or ''}
if skip < kept then
  local entries = redis.call('LRANGE', p .. 'journal', skip, -1)
  for _, entry in ipairs(entries) do out[#out + 1] = entry end
end
return out
"""

# Reset: forget attempts, buckets and the journal; ARGV[2] the epoch (unix s), ARGV[3] the tag
# ('' for none). The capacity slots stay: requests in service still give theirs back.
RESET: Final = r"""
local p = ARGV[1]
local routes = redis.call('KEYS', p .. 'a:*')
for _, key in ipairs(routes) do redis.call('DEL', key) end
redis.call('DEL', p .. 'buckets', p .. 'journal', p .. 'jtotal', p .. 'jbytes', p .. 'jpeers')
redis.call('SET', p .. 'epoch', ARGV[2])
if ARGV[3] == '' then redis.call('DEL', p .. 'tag') else redis.call('SET', p .. 'tag', ARGV[3]) end
return redis.call('INCR', p .. 'reset_gen')
"""

# The lease. ARGV: prefix, op, token ('' for none), then per op. Answers {code, value, pttl}:
# code 1 done, 0 conflict (value: the current lease or false), value the lease's JSON.
LEASE: Final = r"""
local p, op, token = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'lease'
local held = redis.call('GET', key)
local current = nil
if held then current = cjson.decode(held) end
if op == 'show' then
  return {1, held or false, redis.call('PTTL', key)}
end
if op == 'acquire' then
  if current and current.token ~= token then return {0, held, redis.call('PTTL', key)} end
  local ttl = tonumber(ARGV[4])
  if current then
    current.ttl = ttl / 1000
    held = cjson.encode(current)
  else
    held = ARGV[5]
  end
  redis.call('SET', key, held, 'PX', ttl)
  return {1, held, ttl}
end
if not current or current.token ~= token then
  return {0, held or false, held and redis.call('PTTL', key) or -2}
end
if op == 'renew' then
  local ttl = tonumber(ARGV[4])
  if ttl <= 0 then ttl = math.floor(current.ttl * 1000) end
  current.ttl = ttl / 1000
  held = cjson.encode(current)
  redis.call('SET', key, held, 'PX', ttl)
  return {1, held, ttl}
end
if op == 'release' then
  redis.call('DEL', key)
  return {1, held, 0}
end
if op == 'check' then return {1, held, redis.call('PTTL', key)} end
return redis.error_reply('unknown lease operation ' .. tostring(op))
"""

# A worker (ARGV[2]) starting: the capacity slots its predecessor of the same name held when
# it died are given back, and its queued tickets dropped (nobody waits for them any more).
RECLAIM: Final = r"""
local p, worker = ARGV[1], ARGV[2]
local held = tonumber(redis.call('HGET', p .. 'capw', worker) or '0')
redis.call('HDEL', p .. 'capw', worker)
local busy = tonumber(redis.call('HGET', p .. 'cap', 'busy') or '0')
redis.call('HSET', p .. 'cap', 'busy', math.max(0, busy - held))
for _, ticket in ipairs(redis.call('LRANGE', p .. 'capq', 0, -1)) do
  if string.sub(ticket, 1, #worker + 1) == worker .. ':' then
    redis.call('LREM', p .. 'capq', 1, ticket)
  end
end
return held
"""
