// docextract's queue, on the same footing as the peers.
//   node docextract.js drain N      the in-server workers (already running, idle): N staged PDFs
//                                   uploaded in one transaction; jobs/s from its commit until
//                                   the N-th "completed"/"failed" notification of complete_job
//                                   (LISTEN docextract_jobs, so nothing polls)
//   node docextract.js latency K    K single uploads, the queue idle in between: upload commit
//                                   -> extraction_jobs.started_at (set by claim_jobs with
//                                   clock_timestamp()), in ms
//   node docextract.js sqldrain N B pure queue, no extraction: N trivial jobs (rows inserted
//                                   directly, workers off) drained by 2 external workers on the
//                                   SQL API, claim_jobs(B) in one transaction and complete_job
//                                   for the batch in a second, with a no-op in between
// Staged PDFs are in bench_peers.pdfs (i, name, content); uploads are made as role bench_peers.
'use strict';
const { Client } = require('pg');
const { pgConfig, nowMs, sleep, emit, latencyResult, until, round } = require('./common');

const [mode, nArg, bArg] = process.argv.slice(2);
const n = Number(nArg);
const owner = 'bench_peers';

async function connect() {
  const c = new Client(pgConfig());
  c.on('error', (e) => console.error(e));
  await c.connect();
  return c;
}

async function drain(c) {
  const listener = await connect();
  let done = 0, failed = 0, onAllDone;
  const allDone = new Promise((r) => { onAllDone = r; });
  listener.on('notification', (m) => {
    const [, what] = m.payload.split(' ');
    if (what === 'completed' || what === 'failed') {
      done++;
      if (what === 'failed') failed++;
      if (done === n) onAllDone(nowMs());
    }
  });
  await listener.query('LISTEN docextract_jobs');
  await c.query('BEGIN');
  const up = await c.query(
    'SELECT count(docextract.upload_as($1, p.name, p.content)) AS c FROM bench_peers.pdfs AS p WHERE p.i <= $2',
    [owner, n]);
  if (Number(up.rows[0].c) !== n) throw new Error(`uploaded ${up.rows[0].c} of ${n}`);
  await c.query('COMMIT');
  const t0 = nowMs();
  const timer = setTimeout(() => { console.error(`timed out: ${done} of ${n} done`); process.exit(1); }, 600000);
  const t1 = await allDone;
  clearTimeout(timer);
  const st = await c.query(
    `SELECT count(*) FILTER (WHERE j.status = 'completed')::int AS completed,
            min(j.started_at) AS first_start, max(j.completed_at) AS last_end,
            avg(j.processing_time_seconds) AS avg_proc
       FROM docextract.extraction_jobs AS j JOIN docextract.documents AS d ON d.id = j.document_id
      WHERE d.owner = $1`, [owner]);
  await listener.end();
  emit({ jobs: n, failed, completed: st.rows[0].completed, seconds: round((t1 - t0) / 1000, 4),
    jobs_per_s: round(n / ((t1 - t0) / 1000), 2),
    avg_processing_ms: round(Number(st.rows[0].avg_proc) * 1000) });
}

async function latency(c) {
  const samples = [], extract = [];
  const pdfs = (await c.query('SELECT name, content FROM bench_peers.pdfs ORDER BY i DESC LIMIT $1', [n])).rows;
  if (pdfs.length < n) throw new Error('not enough staged PDFs');
  for (const p of pdfs) {
    const doc = (await c.query('SELECT docextract.upload_as($1, $2, $3) AS id', [owner, p.name, p.content])).rows[0].id;
    const t0 = nowMs();
    const job = (await c.query('SELECT id FROM docextract.extraction_jobs WHERE document_id = $1', [doc])).rows[0].id;
    const st = (await c.query('SELECT docextract.wait_for_job($1, $2) AS s', [job, '30 seconds'])).rows[0].s;
    if (st !== 'completed') throw new Error(`job ${job} ended ${st}`);
    const r = (await c.query(
      `SELECT extract(epoch FROM started_at)::float8 * 1000 AS s, processing_time_seconds * 1000 AS p
         FROM docextract.extraction_jobs WHERE id = $1`, [job])).rows[0];
    samples.push(r.s - t0);
    extract.push(r.p);
    await sleep(50);  // idle between jobs
  }
  emit({ ...latencyResult(samples), processing_p50_ms: round(extract.sort((a, b) => a - b)[extract.length >> 1]) });
}

async function sqldrain(c) {
  const b = Number(bArg || 1);
  await c.query(
    `INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
     SELECT $1::text, 'trivial-' || i || '.pdf', 100, 'pdf', 'application/pdf', sha256(convert_to($1::text || ' ' || i, 'UTF8'))
       FROM generate_series(1, $2) AS i`, [owner, n]);
  await c.query(
    `INSERT INTO docextract.extraction_jobs (document_id, created_at)
     SELECT id, clock_timestamp() FROM docextract.documents WHERE owner = $1`, [owner]);
  await c.query('VACUUM ANALYZE docextract.extraction_jobs');
  const workers = [await connect(), await connect()];
  const result = '{"text":"x","pages":[]}';
  const t0 = nowMs();
  let done = 0;
  await Promise.all(workers.map(async (w, k) => {
    for (;;) {
      const jobs = (await w.query('SELECT job_id, claim_token FROM docextract.claim_jobs($1, $2)', [`node-${k}`, b])).rows;
      if (!jobs.length) break;
      // no-op handler
      if (b === 1) {
        await w.query('SELECT docextract.complete_job($1, $2, $3)', [jobs[0].job_id, jobs[0].claim_token, result]);
      } else {
        await w.query(
          'SELECT count(docextract.complete_job(u.i, u.t, $3)) FROM unnest($1::uuid[], $2::uuid[]) AS u(i, t)',
          [jobs.map((j) => j.job_id), jobs.map((j) => j.claim_token), result]);
      }
      done += jobs.length;
    }
  }));
  const t1 = nowMs();
  for (const w of workers) await w.end();
  if (done !== n) throw new Error(`completed ${done} of ${n}`);
  emit({ jobs: n, batch: b, seconds: round((t1 - t0) / 1000, 4), jobs_per_s: round(n / ((t1 - t0) / 1000), 1) });
}

async function main() {
  const c = await connect();
  try {
    if (mode === 'drain') await drain(c);
    else if (mode === 'latency') await latency(c);
    else if (mode === 'sqldrain') await sqldrain(c);
    else throw new Error(`unknown mode ${mode}`);
  } finally {
    await c.end();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
