-- enqueue(), cancel_job(), retry_job(): the job life cycle as a user sees it.
SET ROLE regress_alice;
SELECT docextract.upload('jobs.pdf', fixture.doc('pdf', 400, 'jobs')) AS doc \gset
SELECT id AS job1 FROM docextract.extraction_jobs WHERE document_id = :'doc' \gset

-- One active job per document.
SELECT fixture.try(format('SELECT docextract.enqueue(%L)', :'doc'));
SELECT fixture.try($$SELECT docextract.enqueue('00000000-0000-0000-0000-00000000ffff')$$);
SELECT fixture.try($$SELECT docextract.enqueue(NULL)$$);
SELECT fixture.try(format('SELECT docextract.enqueue(%L, 5000)', :'doc'));
-- Users choose priorities within docextract.user_priority_min/max (-10 to 10 by default).
SELECT fixture.try(format('SELECT docextract.enqueue(%L, 11)', :'doc'));
SELECT fixture.try(format('SELECT docextract.enqueue(%L, -11)', :'doc'));

-- Cancel the pending job, then it can be neither cancelled again nor duplicated by retry.
SELECT docextract.cancel_job(:'job1');
SELECT status, completed_at IS NOT NULL AS finished, error_message
  FROM docextract.extraction_jobs WHERE id = :'job1';
SELECT fixture.try(format('SELECT docextract.cancel_job(%L)', :'job1'));
SELECT fixture.try($$SELECT docextract.cancel_job('00000000-0000-0000-0000-00000000ffff')$$);

-- Re-extract: a new job with a priority; then retry of the cancelled one is refused while the
-- new one is active.
SELECT docextract.enqueue(:'doc', 10) AS job2 \gset
SELECT priority, status FROM docextract.extraction_jobs WHERE id = :'job2';
SELECT fixture.try(format('SELECT docextract.retry_job(%L)', :'job1'));
SELECT fixture.try(format('SELECT docextract.retry_job(%L)', :'job2'));

-- Once the new job is cancelled too, the first can be retried: back to pending, counters reset.
SELECT docextract.cancel_job(:'job2');
SELECT docextract.retry_job(:'job1');
SELECT status, retry_count, completed_at, error_message
  FROM docextract.extraction_jobs WHERE id = :'job1';
RESET ROLE;

-- A processing job that is cancelled loses its lease, so its holder can no longer finish it.
UPDATE docextract.extraction_jobs
   SET status = 'processing', started_at = now(), holder = 'regress', claim_digest = docextract.claim_digest(gen_random_uuid()),
       lease_expires_at = now() + interval '1 minute'
 WHERE id = :'job1';
SET ROLE regress_alice;
SELECT docextract.cancel_job(:'job1');
RESET ROLE;
SELECT status, holder, claim_digest, lease_expires_at FROM docextract.extraction_jobs WHERE id = :'job1';

-- A failed job can be retried.
UPDATE docextract.extraction_jobs SET status = 'pending', completed_at = NULL WHERE id = :'job1';
UPDATE docextract.extraction_jobs
   SET status = 'failed', completed_at = now(), retry_count = 3, error_message = 'corrupt: bad xref'
 WHERE id = :'job1';
SET ROLE regress_alice;
SELECT docextract.retry_job(:'job1');
SELECT status, retry_count FROM docextract.extraction_jobs WHERE id = :'job1';
RESET ROLE;
