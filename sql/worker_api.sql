-- The worker API for external workers: claim, heartbeat, complete, fail, release, reclaim.
CREATE ROLE regress_ext_worker LOGIN IN ROLE docextract_worker;
SET ROLE regress_alice;
SELECT docextract.upload('w1.pdf', fixture.doc('pdf', 300, 'w1')) AS d1 \gset
SELECT docextract.upload('w2.pdf', fixture.doc('pdf', 300, 'w2')) AS d2 \gset
SELECT docextract.upload('w3.pdf', fixture.doc('pdf', 300, 'w3')) AS d3 \gset
RESET ROLE;
-- Only the three new jobs are runnable: park the older ones.
UPDATE docextract.extraction_jobs SET run_after = now() + interval '1 day'
 WHERE status = 'pending' AND document_id NOT IN (:'d1', :'d2', :'d3');
UPDATE docextract.extraction_jobs SET priority = 5 WHERE document_id = :'d3';

SET ROLE regress_ext_worker;
SELECT fixture.try($$SELECT * FROM docextract.claim_jobs('', 1)$$);
SELECT fixture.try($$SELECT * FROM docextract.claim_jobs('ext', 0)$$);
-- Claims follow priority, then age; the lease belongs to an external holder (no pid).
SELECT document_id = :'d3' AS first_is_priority, file_format, retry_count
  FROM docextract.claim_jobs('ext', 1) \gset c1_
SELECT :'c1_first_is_priority', :'c1_file_format';
SELECT job_id AS j1, claim_token AS t1 FROM docextract.claim_jobs('ext', 1) \gset
SELECT job_id AS j2, claim_token AS t2 FROM docextract.claim_jobs('ext', 5) \gset
SELECT count(*) AS nothing_left FROM docextract.claim_jobs('ext', 5);
RESET ROLE;
SELECT document_id = :'d1' AS is_d1, status, holder, holder_pid, claim_digest = docextract.claim_digest(:'t1') AS token_ok,
       lease_expires_at > now() AS leased
  FROM docextract.extraction_jobs WHERE id = :'j1';

SET ROLE regress_ext_worker;
-- Heartbeat with progress; a wrong token is refused and changes nothing.
SELECT docextract.heartbeat(:'j1', :'t1', 1, 4) > now() AS extended;
SELECT fixture.try(format('SELECT docextract.heartbeat(%L, gen_random_uuid())', :'j1'));
SELECT fixture.try(format('SELECT docextract.complete_job(%L, gen_random_uuid(), %L)', :'j1', '{}'));
SELECT fixture.try(format('SELECT docextract.complete_job(%L, %L, %L)', :'j1', :'t1', '[]'));
RESET ROLE;
SELECT progress_percentage FROM docextract.job_overview WHERE id = :'j1';

-- Complete j1 with a helper-shaped result: one native page, one OCR page.
SET ROLE regress_ext_worker;
SELECT docextract.complete_job(:'j1', :'t1', '{"schema": "docextract-extract/1", "text": "Hello\fWorld",
  "metadata": {"pages": 2},
  "pages": [{"page": 1, "method": "native", "text": "Hello"},
            {"page": 2, "method": "ocr", "ocr_confidence": 0.8, "text": "World"}]}');
-- Completing twice is refused: the token died with the first completion.
SELECT fixture.try(format('SELECT docextract.complete_job(%L, %L, %L)', :'j1', :'t1', '{}'));
RESET ROLE;
SELECT status, claim_digest, holder, processing_time_seconds > 0 AS timed, completed_at >= started_at AS ordered
  FROM docextract.extraction_jobs WHERE id = :'j1';
SELECT text, overall_confidence, extraction_method, data ? 'text' AS text_in_data, data->'metadata'
  FROM docextract.extracted_data WHERE job_id = :'j1';
SELECT docextract.wait_for_job(:'j1', '10 s');

-- A retryable failure goes back to pending with a backoff; a permanent one fails at once.
SET docextract.retry_backoff_base = '60s';
SET ROLE regress_ext_worker;
SELECT docextract.fail_job(:'j2', :'t2', 'timeout: too slow', true);
RESET ROLE;
SELECT status, retry_count, error_message, run_after - now() BETWEEN interval '44 s' AND interval '76 s' AS backoff_ok,
       completed_at
  FROM docextract.extraction_jobs WHERE id = :'j2';
UPDATE docextract.extraction_jobs SET run_after = now() WHERE id = :'j2';
SET ROLE regress_ext_worker;
SELECT job_id = :'j2' AS same_job, claim_token <> :'t2' AS new_token, claim_token AS t2b
  FROM docextract.claim_jobs('ext', 1) \gset
SELECT :'same_job', :'new_token';
SELECT fixture.try(format('SELECT docextract.fail_job(%L, %L, %L)', :'j2', :'t2', 'stale'));
-- The policy decides from the error's code: encrypted is permanent, even when sent as retryable.
SELECT docextract.fail_job(:'j2', :'t2b', 'encrypted: the document needs a password', true);
RESET ROLE;
SELECT status, retry_count, error_message, completed_at IS NOT NULL AS finished
  FROM docextract.extraction_jobs WHERE id = :'j2';
SELECT docextract.wait_for_job(:'j2', '0 s');

-- The codes the policy treats as permanent; anything else (or no code) may be retried.
SELECT e, docextract.error_code(e) AS code, docextract.permanent_error(e) AS permanent
  FROM unnest(ARRAY['corrupt: bad xref', 'encrypted: x', 'unsupported: x', 'too_many_pixels: x',
                    'too_many_pages: x', 'output_too_large: x', 'result_rejected: x',
                    'timeout: x', 'crashed: the helper was killed by signal 9', 'limits: x',
                    'internal: x', 'flaky', 'Corrupt: x', 'cannot run the helper /x: y', NULL]) AS e;

-- Retries run out: the last allowed failure is final.
UPDATE docextract.extraction_jobs SET status = 'pending', completed_at = NULL, retry_count = 3, run_after = now()
 WHERE id = :'j2';
SET ROLE regress_ext_worker;
SELECT claim_token AS t2c FROM docextract.claim_jobs('ext', 1) \gset
SELECT docextract.fail_job(:'j2', :'t2c', 'timeout: still too slow', true);
RESET ROLE;

-- Release gives the job back without counting an attempt.
UPDATE docextract.extraction_jobs SET status = 'pending', completed_at = NULL, retry_count = 1, run_after = now()
 WHERE id = :'j2';
SET ROLE regress_ext_worker;
SELECT claim_token AS t2d FROM docextract.claim_jobs('ext', 1) \gset
SELECT docextract.release_job(:'j2', :'t2d');
RESET ROLE;
SELECT status, retry_count, holder, started_at FROM docextract.extraction_jobs WHERE id = :'j2';

-- An expired lease is reclaimed without counting an attempt; a live one is not.
SET ROLE regress_ext_worker;
SELECT claim_token AS t2e FROM docextract.claim_jobs('ext', 1) \gset
RESET ROLE;
SELECT docextract.reclaim_jobs() AS reclaimed_live;
UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = :'j2';
SELECT docextract.reclaim_jobs() AS reclaimed_expired;
SELECT status, retry_count, lease_expirations, error_message, claim_digest, started_at
  FROM docextract.extraction_jobs WHERE id = :'j2';
-- A job held by an in-server worker that no longer runs is reclaimed at once, also uncounted.
UPDATE docextract.extraction_jobs
   SET status = 'processing', started_at = now(), holder = 'docextract worker 0 (pid 1)', holder_pid = 1,
       claim_digest = docextract.claim_digest(gen_random_uuid()), lease_expires_at = now() + interval '1 hour'
 WHERE id = :'j2';
SELECT docextract.reclaim_jobs() AS reclaimed_dead_pid;
SELECT status, retry_count, lease_expirations FROM docextract.extraction_jobs WHERE id = :'j2';
-- Lost leases are bounded: past docextract.max_lease_expirations (3) the job fails.
SET ROLE regress_ext_worker;
SELECT claim_token AS t2f FROM docextract.claim_jobs('ext', 1) \gset
RESET ROLE;
UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = :'j2';
SELECT docextract.reclaim_jobs() AS reclaimed_third;
SET ROLE regress_ext_worker;
SELECT claim_token AS t2g FROM docextract.claim_jobs('ext', 1) \gset
RESET ROLE;
UPDATE docextract.extraction_jobs SET lease_expires_at = now() - interval '1 s' WHERE id = :'j2';
SELECT docextract.reclaim_jobs() AS reclaimed_fourth;
SELECT status, retry_count, lease_expirations, error_message, completed_at IS NOT NULL AS finished
  FROM docextract.extraction_jobs WHERE id = :'j2';
SELECT docextract.wait_for_job(:'j2', '0 s');
-- A retry starts the count afresh.
SET ROLE regress_alice;
SELECT docextract.retry_job(:'j2');
RESET ROLE;
SELECT status, retry_count, lease_expirations FROM docextract.extraction_jobs WHERE id = :'j2';

-- wait_for_job: a pending job times out with its current status; bad input is refused.
SELECT docextract.wait_for_job(:'j2', '50 ms');
SELECT fixture.try($$SELECT docextract.wait_for_job('00000000-0000-0000-0000-00000000ffff', '1 s')$$);
SELECT fixture.try(format('SELECT docextract.wait_for_job(%L, %L)', :'j2', '-1 s'));
-- A huge timeout is refused, not overflowed into no wait at all.
SELECT fixture.try(format('SELECT docextract.wait_for_job(%L, %L)', :'j2', '1000000 years'));

-- Monitoring.
SELECT status, jobs FROM docextract.queue_stats ORDER BY status;
SELECT line FROM regexp_split_to_table(docextract.metrics(), E'\n') AS line
 WHERE line LIKE 'docextract_jobs%' OR line LIKE '# TYPE%' ORDER BY line;
SELECT docextract.prometheus_label(E'a"b\\c\nd') AS escaped;

-- complete_jobs(): a batch in one call. A stale claim in it is left out; the others complete.
SET ROLE regress_alice;
SELECT docextract.upload('w4.pdf', fixture.doc('pdf', 300, 'w4')) AS d4 \gset
RESET ROLE;
-- docextract.workers: this session got "external" from ALTER DATABASE (schema.sql), which lets
-- external workers claim. "none" lets nobody; only a superuser may change it for a session.
SHOW docextract.workers;
SET docextract.workers = none;
SET ROLE regress_ext_worker;
SELECT count(*) AS claimed_while_none FROM docextract.claim_jobs('ext', 5);
SELECT fixture.try($$SET docextract.workers = 'all'$$, false);
RESET ROLE;
RESET docextract.workers;
SET ROLE regress_ext_worker;
SELECT array_agg(job_id ORDER BY job_id) AS bj, array_agg(claim_token ORDER BY job_id) AS bt, count(*) AS bn
  FROM docextract.claim_jobs('ext', 5) \gset
SELECT :'bn' AS claimed;
SELECT count(*) AS completed, bool_and(c = (:'bj'::uuid[])[1]) AS the_first
  FROM docextract.complete_jobs(:'bj', ARRAY[(:'bt'::uuid[])[1], gen_random_uuid()],
                                ARRAY['{"text": "one", "pages": [{"method": "native"}]}', '{}']::jsonb[]) AS c;
SELECT fixture.try(format('SELECT docextract.complete_jobs(%L, %L, %L)', :'bj', :'bt', '{"{}"}'));
SELECT fixture.try(format('SELECT docextract.complete_jobs(%L, %L, %L)', :'bj', :'bt', '{"[]", "{}"}'));
SELECT count(*) AS nothing FROM docextract.complete_jobs('{}', '{}', '{}');
RESET ROLE;
SELECT j.status, x.text, x.extraction_method
  FROM unnest(:'bj'::uuid[]) WITH ORDINALITY AS b(id, n)
  JOIN docextract.extraction_jobs AS j ON j.id = b.id
  LEFT JOIN docextract.extracted_data AS x ON x.job_id = j.id
 ORDER BY b.n;

-- Users may not call the worker API.
SET ROLE regress_alice;
SELECT fixture.try($$SELECT * FROM docextract.claim_jobs('alice', 1)$$);
RESET ROLE;
DROP ROLE regress_ext_worker;
