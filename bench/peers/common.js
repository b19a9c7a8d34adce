// Shared by the peer benchmark scripts: connection settings from the libpq environment that
// bench/run sets (PGHOST is the socket directory), a wall clock in milliseconds with sub-ms
// resolution that is comparable with PostgreSQL's clock_timestamp(), and result output.
'use strict';
const { performance } = require('node:perf_hooks');

const pgConfig = () => ({
  host: process.env.PGHOST, port: Number(process.env.PGPORT || 5432),
  user: process.env.PGUSER, database: process.env.PGDATABASE,
});

// Milliseconds since the epoch (CLOCK_REALTIME at process start + a monotonic offset).
const nowMs = () => performance.timeOrigin + performance.now();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const k = (s.length - 1) * p, lo = Math.floor(k), hi = Math.ceil(k);
  return s[lo] + (s[hi] - s[lo]) * (k - lo);
};

const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

// Prints the result as one JSON line on stdout (diagnostics go to stderr).
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

const latencyResult = (samples) => ({
  samples_ms: samples.map((x) => round(x)),
  p50_ms: round(percentile(samples, 0.5)), p95_ms: round(percentile(samples, 0.95)),
});

// Polls until check() is true, every `every` ms; throws after `timeout` ms.
const until = async (check, every, timeout, what) => {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
};

module.exports = { pgConfig, nowMs, sleep, percentile, round, emit, latencyResult, until };
