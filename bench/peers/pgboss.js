// pg-boss with a no-op handler.
//   node pgboss.js drain N     jobs/s for N jobs inserted in one statement while the workers
//                              are idle, until none is created/retry/active
//   node pgboss.js latency K   K single jobs, the queue idle in between: send() commit ->
//                              handler start, in ms
// 2 workers (work() twice: the machine's cores, as docextract's 2 workers), each fetching
// batches of 50 (batchSize 1, the default, drains 1 job per worker per poll), polling at the
// minimum pg-boss allows (pollingIntervalSeconds 0.5). pg-boss workers poll; nothing wakes them.
'use strict';
const PgBoss = require('pg-boss');
const { pgConfig, nowMs, sleep, emit, latencyResult, until, round } = require('./common');

const [mode, nArg] = process.argv.slice(2);
const n = Number(nArg);
const queue = 'bench_noop';

async function main() {
  const boss = new PgBoss({ ...pgConfig(), max: 8, supervise: false, schedule: false });
  boss.on('error', (e) => console.error(e));
  await boss.start();
  await boss.deleteQueue(queue).catch(() => {});
  await boss.createQueue(queue);
  let finished = 0, onStart = null, onAllDone = null;
  const handler = async (jobs) => {
    if (onStart) onStart(nowMs());
    finished += jobs.length;
    if (finished >= n && onAllDone) onAllDone(nowMs());
  };
  const workers = [];
  for (let w = 0; w < 2; w++) {
    workers.push(await boss.work(queue, { batchSize: 50, pollingIntervalSeconds: 0.5 }, handler));
  }
  const db = boss.getDb();
  const active = async () => (await db.executeSql(
    "SELECT count(*)::int AS c FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')",
    [queue])).rows[0].c;
  try {
    await sleep(1000);  // the workers are idle, polling
    if (mode === 'drain') {
      const allDone = new Promise((r) => { onAllDone = r; });
      await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { i } })));
      const t0 = nowMs();
      const lastHandler = await allDone;
      await until(async () => (await active()) === 0, 2, 120000, 'the queue to empty');
      const t1 = nowMs();
      emit({ jobs: n, seconds: round((t1 - t0) / 1000, 4), jobs_per_s: round(n / ((t1 - t0) / 1000), 1),
        last_handler_ms: round(lastHandler - t0) });
    } else {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const start = new Promise((r) => { onStart = r; });
        await boss.send(queue, { i });
        const t0 = nowMs();
        const t1 = await start;
        samples.push(t1 - t0);
        await until(async () => (await active()) === 0, 5, 10000, 'the job to finish');
        await sleep(50 + Math.random() * 100);  // idle between jobs, not in step with the polls
      }
      emit(latencyResult(samples));
    }
  } finally {
    for (const id of workers) await boss.offWork({ id }).catch(() => {});
    await boss.deleteQueue(queue).catch(() => {});
    await boss.stop({ graceful: false, wait: true, timeout: 2000 });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
