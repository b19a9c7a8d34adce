// Uploads one file to docextract with node-postgres and prints its text and fields once extracted.
//
//     node upload.mjs FILE [DOCUMENT_TYPE]
//
// Connection settings come from the PG* environment variables. A Buffer parameter is sent as
// bytea: no hex or escape encoding by hand, no file on the server.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const [file, docType = 'other'] = process.argv.slice(2);
const client = new pg.Client();
await client.connect();
try {
  let docId;
  try {
    const r = await client.query('SELECT docextract.upload($1, $2, $3) AS id',
      [basename(file), await readFile(file), docType]);
    docId = r.rows[0].id;
  } catch (e) {
    if (e.code !== '22023') throw e;
    // SQLSTATE 22023: the file was refused; the detail says why.
    console.error(`refused: ${e.detail}`);
    process.exitCode = 1;
  }
  if (docId !== undefined) {
    const job = await client.query(
      'SELECT id FROM docextract.extraction_jobs WHERE document_id = $1 ORDER BY created_at DESC LIMIT 1',
      [docId]);
    const jobId = job.rows[0].id;
    let status;
    // Poll in short transactions: works through PgBouncer in transaction mode too.
    for (let i = 0; i < 600; i++) {
      status = (await client.query('SELECT status FROM docextract.extraction_jobs WHERE id = $1',
        [jobId])).rows[0].status;
      if (['completed', 'failed', 'cancelled'].includes(status)) break;
      await sleep(100);
    }
    console.log(`document ${docId}: ${status}`);
    if (status === 'completed') {
      const r = await client.query(
        'SELECT x.text, docextract.document_fields(x.document_id) AS f FROM docextract.extracted_data AS x WHERE x.job_id = $1',
        [jobId]);
      console.log(r.rows[0].text.trim());
      const fields = r.rows[0].f.fields ?? {};
      console.log(JSON.stringify(Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]]))));
    } else {
      process.exitCode = 1;
    }
  }
} finally {
  await client.end();
}
