"""wrk as the intake benchmark's load generator (``bench/ingest.py --driver wrk``).

A C load generator costs a fraction of the CPU of any Python client, which matters when the
generator, the server and PostgreSQL share two cores. A Lua script makes every request a new
Alertmanager delivery: each alert gets a unique fingerprint (``new``) or, with ``keys``, one of N
recurring fingerprints with a unique startsAt, exactly like ``ingest.Bodies``. Every phase is
bounded by time (``-d``) and by a per-thread request budget (``wrk.thread:stop()``).

The half-peak phase paces requests with ``delay()``: each wrk thread hands out send slots at
``threads / rate`` intervals on the monotonic clock, so the offered rate holds whatever the latency
(an open loop, bounded by the number of connections in flight). wrk reports latency in µs.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

WRK_MARKER = "WRKJSON "

_LUA = r"""
local template = [==[@TEMPLATE@]==]
local keys = @KEYS@
local size = @SIZE@
local budget = @BUDGET@
local pause_ms = @DELAY_MS@
local path = "@PATH@"
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer @TOKEN@"}
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  seq = 0
  answered = 0
  refused = 0
end

function request()
  seq = seq + 1
  local body
  if keys == 0 then
    body = template:gsub("@SEQ@", string.format("%d%09d", tid, seq))
  else
    local base = seq * size
    body = template:gsub("@T@", string.format("%d%08d", tid, seq))
    body = body:gsub("@K(%d+)@", function(i) return string.format("key%06d", (base + tonumber(i)) % keys) end)
  end
  return wrk.format("POST", path, headers, body)
end

-- Paced phase: each thread hands out send slots ``pause_ms`` apart on the monotonic clock (LuaJIT
-- ffi), so the rate holds whatever the latency; a late server gets the missed slots at once.
if pause_ms > 0 then
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } awooop_ts; int clock_gettime(int, awooop_ts *); ]]
  local ts = ffi.new("awooop_ts")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local next_slot = nil
  function delay()
    local now = now_ms()
    next_slot = (next_slot or now) + pause_ms
    return math.max(0, math.floor(next_slot - now))
  end
end

function response(status, hdrs, body)
  answered = answered + 1
  if status ~= 202 then refused = refused + 1 end
  if answered >= budget then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("answered")
    bad = bad + t:get("refused")
  end
  local e = summary.errors
  io.write(string.format(
    '@MARKER@{"answered":%d,"refused":%d,"duration_us":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    ok, bad, summary.duration, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    deliveries: int  # answered 202
    errors: int  # other answers and socket errors
    elapsed: float
    p50_ms: float
    p99_ms: float


def available() -> bool:
    return shutil.which("wrk") is not None


def script(*, body: str, size: int, keys: int | None, budget: int, delay_ms: float, path: str, token: str) -> str:
    values = {
        "@TEMPLATE@": body,
        "@KEYS@": str(keys or 0),
        "@SIZE@": str(size),
        "@BUDGET@": str(max(1, budget)),
        "@DELAY_MS@": f"{delay_ms:.3f}",
        "@PATH@": path,
        "@TOKEN@": token,
        "@MARKER@": WRK_MARKER,
    }
    lua = _LUA
    for placeholder, value in values.items():
        lua = lua.replace(placeholder, value)
    return lua


async def run(
    *, port: int, script_path: Path, threads: int, connections: int, seconds: float, timeout: float = 30.0
) -> WrkResult:
    """Run wrk against 127.0.0.1 only; parse the summary line the script prints."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:.0f}s"]
    command += ["--timeout", f"{timeout:.0f}s", "-s", str(script_path), f"http://127.0.0.1:{port}/"]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=seconds + timeout + 10)
    line = next((ln for ln in stdout.decode().splitlines() if ln.startswith(WRK_MARKER)), None)
    if line is None:
        raise SystemExit(f"wrk failed ({process.returncode}): {stderr.decode()[-500:]}")
    data = json.loads(line[len(WRK_MARKER) :])
    return WrkResult(
        deliveries=data["answered"] - data["refused"],
        errors=data["refused"] + data["socket_errors"],
        elapsed=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )
