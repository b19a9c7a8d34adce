// graphile-worker with a no-op task.
//   node graphile.js drain N plain|localqueue   jobs/s for N jobs added in one transaction while
//                                               the runner is idle, until the queue is empty
//   node graphile.js latency K                  K single jobs, the queue idle in between:
//                                               add_job commit -> task start, in ms
// Both runners use concurrency 2 (the machine's cores, as docextract's 2 workers). "localqueue"
// is graphile-worker's documented batching: a local queue of 500 jobs fetched at once, and
// completions batched (completeJobBatchDelay 0).
'use strict';
const { run, Logger } = require('graphile-worker');
const { Pool } = require('pg');
const { pgConfig, nowMs, sleep, emit, latencyResult, until, round } = require('./common');

const [mode, nArg, variant = 'plain'] = process.argv.slice(2);
const n = Number(nArg);

async function main() {
  const pool = new Pool({ ...pgConfig(), max: 8 });
  pool.on('error', (e) => console.error(e));
  pool.on('connect', (c) => c.on('error', (e) => console.error(e)));
  let started = 0, finished = 0, onStart = null, onAllDone = null;
  const taskList = {
    noop: async () => {
      started++;
      if (onStart) onStart(nowMs());
      finished++;
      if (finished === n && onAllDone) onAllDone(nowMs());
    },
  };
  const preset = variant === 'localqueue'
    ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
    : {};
  const runner = await run({
    pgPool: pool, concurrency: 2, noHandleSignals: true, taskList, preset,
    logger: new Logger(() => () => {}),  // no per-job log lines
  });
  const client = await pool.connect();
  try {
    await client.query('DELETE FROM graphile_worker._private_jobs');
    await sleep(300);  // the runner is idle, listening
    if (mode === 'drain') {
      const allDone = new Promise((r) => { onAllDone = r; });
      await client.query(
        "SELECT count(graphile_worker.add_job('noop', json_build_object('i', i))) FROM generate_series(1, $1) AS i",
        [n]);
      const t0 = nowMs();
      const lastHandler = await allDone;
      // The jobs are deleted when their completion is written (batched in "localqueue").
      await until(async () => (await client.query(
        'SELECT count(*)::int AS c FROM graphile_worker._private_jobs')).rows[0].c === 0,
      2, 60000, 'the queue to empty');
      const t1 = nowMs();
      emit({ jobs: n, seconds: round((t1 - t0) / 1000, 4), jobs_per_s: round(n / ((t1 - t0) / 1000), 1),
        last_handler_ms: round(lastHandler - t0) });
    } else {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const start = new Promise((r) => { onStart = r; });
        await client.query("SELECT graphile_worker.add_job('noop', json_build_object('i', $1::int))", [i]);
        const t0 = nowMs();
        const t1 = await start;
        samples.push(t1 - t0);
        await until(async () => (await client.query(
          'SELECT count(*)::int AS c FROM graphile_worker._private_jobs')).rows[0].c === 0,
        5, 10000, 'the job to finish');
        await sleep(50);  // idle between jobs
      }
      emit(latencyResult(samples));
    }
  } finally {
    client.release();
    await runner.stop();
    await pool.end();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
