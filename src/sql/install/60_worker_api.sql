-- The queue's worker API. The in-server workers call exactly these functions, so there is one
-- claim path. A claim is a lease: its token must accompany every later call, and a call with a
-- stale token (the job was cancelled, reclaimed or finished meanwhile) changes nothing.
CREATE OR REPLACE FUNCTION docextract.in_server_worker() RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_in_server_worker';
COMMENT ON FUNCTION docextract.in_server_worker() IS 'Whether the caller is one of docextract''s own background workers.';

CREATE OR REPLACE FUNCTION docextract.hide_statement() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_hide_statement';
COMMENT ON FUNCTION docextract.hide_statement() IS 'Marks the statement as carrying document bytes: until the transaction ends, an error is logged without the statement text.';

CREATE OR REPLACE FUNCTION docextract.wake_workers() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_wake_workers';
COMMENT ON FUNCTION docextract.wake_workers() IS 'Wakes an idle worker of this database when the transaction commits (and the launcher, if the database has no workers yet).';

CREATE OR REPLACE FUNCTION docextract.workers_epoch() RETURNS timestamptz
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_workers_epoch';
COMMENT ON FUNCTION docextract.workers_epoch() IS 'When the server last started or reset after a crash: in-server workers that claimed a job before then are gone.';

CREATE OR REPLACE FUNCTION docextract.wake_waiters() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_wake_waiters';
COMMENT ON FUNCTION docextract.wake_waiters() IS 'Called when a job ends: once the transaction commits, wakes the sessions waiting in wait_for_job() in this database and has a worker send a NOTIFY docextract_jobs (without payload) in a transaction of its own.';

CREATE OR REPLACE FUNCTION docextract.wait_for_job(job_id uuid, timeout interval DEFAULT '30 seconds')
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'docextract_wait_for_job';
COMMENT ON FUNCTION docextract.wait_for_job(uuid, interval) IS
    'Waits, without polling the table in a loop, until the job is completed, failed or cancelled, or the timeout passes; returns the status last seen.';

CREATE OR REPLACE FUNCTION docextract.claim_jobs(worker_name text, n integer DEFAULT 1)
RETURNS TABLE (job_id uuid, document_id uuid, claim_token uuid, file_format text,
               retry_count integer, lease_expires_at timestamptz, document_type text, kind text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lease     interval := pg_catalog.current_setting('docextract.lease_duration')::interval;
    in_flight integer := pg_catalog.current_setting('docextract.owner_jobs_in_flight')::integer;
    -- An in-server worker is watched by its process ID, an external one by its lease alone.
    pid       integer := CASE WHEN docextract.in_server_worker() THEN pg_catalog.pg_backend_pid() END;
    -- Which workers may claim here (ALTER DATABASE ... SET docextract.workers): a setting read,
    -- no query.
    serving   pg_catalog.text := pg_catalog.current_setting('docextract.workers');
    full_owners pg_catalog.name[];
BEGIN
    IF worker_name IS NULL OR worker_name OPERATOR(pg_catalog.=) ''
       OR pg_catalog.length(worker_name) OPERATOR(pg_catalog.>) 200 THEN
        RAISE EXCEPTION 'worker name must be 1 to 200 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n IS NULL OR n OPERATOR(pg_catalog.<) 1 OR n OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'number of jobs to claim must be between 1 and 1000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF serving OPERATOR(pg_catalog.=) 'none'
       OR (serving OPERATOR(pg_catalog.=) 'external' AND pid IS NOT NULL) THEN
        RETURN;  -- this database's jobs are not for this caller now: nothing to claim
    END IF;
    IF in_flight OPERATOR(pg_catalog.=) 0 THEN
        -- No per-owner limit: one scan of job_claim_idx in its order, nothing else.
        RETURN QUERY
        WITH next AS MATERIALIZED (
            -- Priority first, then the owners' turns (fair_rank), then age.
            SELECT j.id, pg_catalog.gen_random_uuid() AS token
              FROM docextract.extraction_jobs AS j
             WHERE j.status OPERATOR(pg_catalog.=) 'pending'
               AND j.run_after OPERATOR(pg_catalog.<=) pg_catalog.now()
             ORDER BY j.priority DESC, j.fair_rank, j.created_at
             LIMIT n
               FOR UPDATE SKIP LOCKED
        )
        UPDATE docextract.extraction_jobs AS j
           SET status = 'processing', started_at = pg_catalog.clock_timestamp(),
               holder = worker_name, holder_pid = pid,
               claim_digest = docextract.claim_digest(next.token),
               lease_expires_at = pg_catalog.now() OPERATOR(pg_catalog.+) lease,
               pages_done = NULL, pages_total = NULL
          FROM next, docextract.documents AS d
         WHERE j.id OPERATOR(pg_catalog.=) next.id AND d.id OPERATOR(pg_catalog.=) j.document_id
        RETURNING j.id, j.document_id, next.token, d.file_format, j.retry_count, j.lease_expires_at,
                  d.document_type, j.kind;
        RETURN;
    END IF;
    -- With a per-owner limit, claims take turns (a transaction-level advisory lock), so that two
    -- of them cannot both see an owner below the limit and together pass it. The owners at the
    -- limit are skipped by a filter on the same ordered scan.
    PERFORM pg_catalog.pg_advisory_xact_lock(1685021561, 0);
    SELECT coalesce(pg_catalog.array_agg(b.owner), '{}') INTO full_owners
      FROM (SELECT j.owner FROM docextract.extraction_jobs AS j
             WHERE j.status OPERATOR(pg_catalog.=) 'processing'
             GROUP BY j.owner
            HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>=) in_flight) AS b;
    RETURN QUERY
    WITH next AS MATERIALIZED (
        SELECT j.id, j.owner, j.priority, j.fair_rank, j.created_at
          FROM docextract.extraction_jobs AS j
         WHERE j.status OPERATOR(pg_catalog.=) 'pending'
           AND j.run_after OPERATOR(pg_catalog.<=) pg_catalog.now()
           AND j.owner OPERATOR(pg_catalog.<>) ALL (full_owners)
         ORDER BY j.priority DESC, j.fair_rank, j.created_at
         LIMIT n
           FOR UPDATE SKIP LOCKED
    ), allowed AS (
        -- A batch takes from one owner only what the limit leaves.
        SELECT x.id, pg_catalog.gen_random_uuid() AS token
          FROM (SELECT c.id, c.owner,
                       pg_catalog.row_number() OVER (PARTITION BY c.owner
                                                     ORDER BY c.priority DESC, c.fair_rank, c.created_at) AS k
                  FROM next AS c) AS x
         WHERE x.k OPERATOR(pg_catalog.+)
               (SELECT pg_catalog.count(*) FROM docextract.extraction_jobs AS p
                 WHERE p.status OPERATOR(pg_catalog.=) 'processing'
                   AND p.owner OPERATOR(pg_catalog.=) x.owner)
               OPERATOR(pg_catalog.<=) in_flight
    )
    UPDATE docextract.extraction_jobs AS j
       SET status = 'processing', started_at = pg_catalog.clock_timestamp(),
           holder = worker_name, holder_pid = pid,
           claim_digest = docextract.claim_digest(allowed.token),
           lease_expires_at = pg_catalog.now() OPERATOR(pg_catalog.+) lease,
           pages_done = NULL, pages_total = NULL
      FROM allowed, docextract.documents AS d
     WHERE j.id OPERATOR(pg_catalog.=) allowed.id AND d.id OPERATOR(pg_catalog.=) j.document_id
    RETURNING j.id, j.document_id, allowed.token, d.file_format, j.retry_count, j.lease_expires_at,
              d.document_type, j.kind;
END
$$;
COMMENT ON FUNCTION docextract.claim_jobs(text, integer) IS
    'Worker API: claims up to n runnable pending jobs with FOR UPDATE SKIP LOCKED (priority, then the owners'' turns, then age; owners at docextract.owner_jobs_in_flight are skipped) and returns them with their claim tokens and kinds (extract: send the document content to the helper; refresh_fields: send refresh_source() to the helper run with --refresh-fields). Returns no rows while docextract.workers is none (or external, for the in-server workers).';

CREATE OR REPLACE FUNCTION docextract.claim_digest(token uuid) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.sha256(pg_catalog.uuid_send(token)) $$;
COMMENT ON FUNCTION docextract.claim_digest(uuid) IS 'SHA-256 of a claim token, as stored in extraction_jobs.claim_digest.';

CREATE OR REPLACE FUNCTION docextract.claim_is_current(job_id uuid, claim_token uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM docextract.extraction_jobs AS j
                    WHERE j.id OPERATOR(pg_catalog.=) claim_is_current.job_id
                      AND j.claim_digest OPERATOR(pg_catalog.=)
                          docextract.claim_digest(claim_is_current.claim_token))
$$;
COMMENT ON FUNCTION docextract.claim_is_current(uuid, uuid) IS 'Worker API: whether the claim token is still the job''s current one (false once the job was cancelled, reclaimed or finished).';

-- The document first, then the job: the order of cancel_job() and DELETE, which lock the
-- document and then its jobs. A worker API call that locks a job row (heartbeat, complete_job)
-- takes this key-share lock first, so that a later call in the same transaction cannot deadlock
-- with them. (Storing a result takes a key-share lock on the document anyway, for its foreign key.)
CREATE OR REPLACE FUNCTION docextract.lock_document_of_job(job_id uuid) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT FROM docextract.documents AS d
      JOIN docextract.extraction_jobs AS j ON j.document_id OPERATOR(pg_catalog.=) d.id
     WHERE j.id OPERATOR(pg_catalog.=) lock_document_of_job.job_id
       FOR KEY SHARE OF d
$$;
COMMENT ON FUNCTION docextract.lock_document_of_job(uuid) IS 'Takes a key-share lock on the document of a job, before the job''s row is locked: the lock order of cancel_job() and DELETE.';

CREATE OR REPLACE FUNCTION docextract.heartbeat(job_id uuid, claim_token uuid,
                                     pages_done integer DEFAULT NULL,
                                     pages_total integer DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    expires pg_catalog.timestamptz;
BEGIN
    PERFORM docextract.lock_document_of_job(job_id);
    UPDATE docextract.extraction_jobs AS j
       SET lease_expires_at = pg_catalog.now() OPERATOR(pg_catalog.+)
                              pg_catalog.current_setting('docextract.lease_duration')::interval,
           pages_done = coalesce(heartbeat.pages_done, j.pages_done),
           pages_total = coalesce(heartbeat.pages_total, j.pages_total)
     WHERE j.id OPERATOR(pg_catalog.=) heartbeat.job_id
       AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(heartbeat.claim_token)
    RETURNING j.lease_expires_at INTO expires;
    IF expires IS NULL THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
    RETURN expires;
END
$$;
COMMENT ON FUNCTION docextract.heartbeat(uuid, uuid, integer, integer) IS
    'Worker API: extends the lease of a claimed job and records its page progress; raises if the claim is stale.';

CREATE OR REPLACE FUNCTION docextract.raise_stale_claim(job_id uuid) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st pg_catalog.text;
BEGIN
    SELECT j.status INTO st
      FROM docextract.extraction_jobs AS j WHERE j.id OPERATOR(pg_catalog.=) job_id;
    RAISE EXCEPTION 'claim on extraction job % is not valid', job_id
        USING ERRCODE = 'XD001',
              DETAIL = CASE WHEN st IS NULL THEN 'The job does not exist.'
                            ELSE pg_catalog.format('The job is %s and this claim token is not its current one.', st) END,
              HINT = 'The job was cancelled, reclaimed or finished by someone else; drop the work done.';
END
$$;
COMMENT ON FUNCTION docextract.raise_stale_claim(uuid) IS 'Raises the error for a claim token that is no longer the job''s.';

-- Summarises a helper result (docs/extract-json.md): how the text was obtained and how sure.
CREATE OR REPLACE FUNCTION docextract.result_method(result jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
             WHEN n.ocr OPERATOR(pg_catalog.=) 0 AND n.native OPERATOR(pg_catalog.=) 0 THEN 'none'
             WHEN n.ocr OPERATOR(pg_catalog.=) 0 THEN 'native'
             WHEN n.native OPERATOR(pg_catalog.=) 0 THEN 'ocr'
             ELSE 'mixed'
           END
      FROM (SELECT pg_catalog.count(*) FILTER (WHERE m.method OPERATOR(pg_catalog.=) 'ocr') AS ocr,
                   pg_catalog.count(*) FILTER (WHERE m.method OPERATOR(pg_catalog.=) 'native') AS native
              FROM pg_catalog.jsonb_array_elements(
                       coalesce(result OPERATOR(pg_catalog.->) 'pages', '[]')) AS p,
                   LATERAL (SELECT p OPERATOR(pg_catalog.->>) 'method') AS m(method)) AS n
$$;
COMMENT ON FUNCTION docextract.result_method(jsonb) IS 'native, ocr, mixed or none, from the pages of a helper result.';

CREATE OR REPLACE FUNCTION docextract.result_confidence(result jsonb) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- The helper's overall_confidence when it has one (derived from the fields, docs/fields.md);
    -- otherwise native text is certain and OCR pages count with their confidence (0 to 1).
    SELECT coalesce(
        CASE WHEN pg_catalog.jsonb_typeof(result OPERATOR(pg_catalog.->) 'overall_confidence')
                  OPERATOR(pg_catalog.=) 'number'
             THEN LEAST(GREATEST((result OPERATOR(pg_catalog.->>) 'overall_confidence')::real, 0), 1)
        END,
        (SELECT pg_catalog.avg(
                    CASE WHEN (p OPERATOR(pg_catalog.->>) 'method') OPERATOR(pg_catalog.=) 'ocr'
                         THEN LEAST(GREATEST(
                                  coalesce((p OPERATOR(pg_catalog.->>) 'ocr_confidence')::real, 0), 0), 1)
                         ELSE 1 END)::real
           FROM pg_catalog.jsonb_array_elements(
                    coalesce(result OPERATOR(pg_catalog.->) 'pages', '[]')) AS p))
$$;
COMMENT ON FUNCTION docextract.result_confidence(jsonb) IS 'Mean page confidence (0 to 1) of a helper result: 1 for native text, the OCR confidence otherwise.';

-- The keys of a result that the field extractors make (docs/fields.md): what a refresh replaces.
CREATE OR REPLACE FUNCTION docextract.field_keys() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['fields', 'field_confidence', 'field_details', 'detected_type',
                 'detected_type_confidence', 'entities', 'overall_confidence',
                 'fields_version']::pg_catalog.text[]
$$;
COMMENT ON FUNCTION docextract.field_keys() IS 'The top-level keys of a result made by the field extractors (fields, confidences, details, detected type, entities, overall_confidence, fields_version).';

-- The newest stored result of a document: the one latest_results shows, and the one a refresh
-- reads and replaces.
CREATE OR REPLACE FUNCTION docextract.newest_result(document_id uuid) RETURNS docextract.extracted_data
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT x.* FROM docextract.extracted_data AS x
     WHERE x.document_id OPERATOR(pg_catalog.=) newest_result.document_id
     ORDER BY x.created_at DESC, x.id
     LIMIT 1
$$;
COMMENT ON FUNCTION docextract.newest_result(uuid) IS 'The newest extraction result of a document (as latest_results orders them), or nulls.';

-- What a completed job stores. An extraction stores the helper's result (its text in a column of
-- its own). A field refresh stores a new row too, like any completed job: the document's newest
-- result with its field keys replaced by those the helper computed (and only those: nothing else
-- of the helper's answer reaches the row), plus "fields_refresh", where they came from.
CREATE OR REPLACE FUNCTION docextract.result_row(kind text, document_id uuid, result jsonb,
                                      OUT data jsonb, OUT text text, OUT overall_confidence real,
                                      OUT field_confidence jsonb, OUT extraction_method text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source docextract.extracted_data;
BEGIN
    IF kind OPERATOR(pg_catalog.=) 'refresh_fields' THEN
        source := docextract.newest_result(result_row.document_id);
        IF source.id IS NULL THEN
            RAISE EXCEPTION 'document % has no extraction result to refresh fields from', document_id
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        data := (source.data OPERATOR(pg_catalog.-) docextract.field_keys())
                OPERATOR(pg_catalog.||)
                coalesce((SELECT pg_catalog.jsonb_object_agg(e.key, e.value)
                            FROM pg_catalog.jsonb_each(result) AS e
                           WHERE e.key OPERATOR(pg_catalog.=) ANY (docextract.field_keys())), '{}')
                OPERATOR(pg_catalog.||)
                pg_catalog.jsonb_build_object('fields_refresh', pg_catalog.jsonb_build_object(
                    'source_job_id', source.job_id,
                    'timings_ms', result OPERATOR(pg_catalog.->) 'timings_ms'));
        text := source.text;
        extraction_method := source.extraction_method;
    ELSE
        data := result OPERATOR(pg_catalog.-) 'text';
        text := result OPERATOR(pg_catalog.->>) 'text';
        extraction_method := docextract.result_method(result);
    END IF;
    overall_confidence := docextract.result_confidence(data);
    field_confidence := coalesce(data OPERATOR(pg_catalog.->) 'field_confidence', '{}');
END
$$;
COMMENT ON FUNCTION docextract.result_row(text, uuid, jsonb) IS 'The columns of extracted_data for a completed job of this kind: the helper''s result for an extraction; the newest result with the field keys of the helper''s answer for a refresh_fields job.';

-- Worker API: the input of a refresh_fields job, for the helper run with --refresh-fields.
CREATE OR REPLACE FUNCTION docextract.refresh_source(job_id uuid, claim_token uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_id pg_catalog.uuid;
    source docextract.extracted_data;
BEGIN
    SELECT j.document_id INTO doc_id FROM docextract.extraction_jobs AS j
     WHERE j.id OPERATOR(pg_catalog.=) refresh_source.job_id
       AND j.kind OPERATOR(pg_catalog.=) 'refresh_fields'
       AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(refresh_source.claim_token);
    IF doc_id IS NULL THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
    source := docextract.newest_result(doc_id);
    IF source.id IS NULL THEN
        RAISE EXCEPTION 'document % has no extraction result to refresh fields from', doc_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- The result as the helper wrote it, without the fields it is about to replace.
    RETURN (source.data OPERATOR(pg_catalog.-) docextract.field_keys()
                        OPERATOR(pg_catalog.-) 'fields_refresh'::pg_catalog.text)
           OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('text', coalesce(source.text, ''));
END
$$;
COMMENT ON FUNCTION docextract.refresh_source(uuid, uuid) IS 'Worker API: for a claimed refresh_fields job, the document''s newest stored result (with its text, without its field keys), the input of docextract-extract --refresh-fields; raises if the claim is stale.';

CREATE OR REPLACE FUNCTION docextract.complete_job(job_id uuid, claim_token uuid, result jsonb)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_id   pg_catalog.uuid;
    job_kind pg_catalog.text;
BEGIN
    IF result IS NULL OR pg_catalog.jsonb_typeof(result) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'result must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM docextract.lock_document_of_job(job_id);
    UPDATE docextract.extraction_jobs AS j
       SET status = 'completed', completed_at = GREATEST(pg_catalog.now(), j.started_at),
           processing_time_seconds = GREATEST(
               EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) j.started_at)
                   ::double precision,
               0.000001),
           error_message = NULL, holder = NULL, holder_pid = NULL, lease_expires_at = NULL,
           claim_digest = NULL, pages_done = j.pages_total
     WHERE j.id OPERATOR(pg_catalog.=) complete_job.job_id
       AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(complete_job.claim_token)
    RETURNING j.document_id, j.kind INTO doc_id, job_kind;
    IF doc_id IS NULL THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
    INSERT INTO docextract.extracted_data
           (job_id, document_id, data, text, overall_confidence, field_confidence, extraction_method)
    SELECT complete_job.job_id, doc_id, r.data, r.text, r.overall_confidence, r.field_confidence,
           r.extraction_method
      FROM docextract.result_row(job_kind, doc_id, result) AS r;
    PERFORM docextract.wake_waiters();
    RETURN true;
END
$$;
COMMENT ON FUNCTION docextract.complete_job(uuid, uuid, jsonb) IS
    'Worker API: stores the result (the helper''s JSON document; for a refresh_fields job its field keys, merged into the document''s newest result, result_row()) and completes the job; raises if the claim is stale.';

-- Completes a batch in three statements instead of three per job. Jobs whose claim is stale are
-- skipped, not raised: the others' results still count. The documents are key-share locked first,
-- in id order, for the lock order of cancel_job() and DELETE (lock_document_of_job()).
CREATE OR REPLACE FUNCTION docextract.complete_jobs(job_ids uuid[], claim_tokens uuid[], results jsonb[])
RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done integer;
BEGIN
    IF job_ids IS NULL OR claim_tokens IS NULL OR results IS NULL
       OR pg_catalog.cardinality(claim_tokens) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(job_ids)
       OR pg_catalog.cardinality(results) OPERATOR(pg_catalog.<>) pg_catalog.cardinality(job_ids)
       OR pg_catalog.cardinality(job_ids) OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'job_ids, claim_tokens and results must be arrays of the same length, at most 1000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.unnest(results) AS r(result)
                WHERE r.result IS NULL
                   OR pg_catalog.jsonb_typeof(r.result) OPERATOR(pg_catalog.<>) 'object') THEN
        RAISE EXCEPTION 'result must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM FROM docextract.documents AS d
     WHERE d.id OPERATOR(pg_catalog.=) ANY (
               SELECT j.document_id FROM docextract.extraction_jobs AS j
                WHERE j.id OPERATOR(pg_catalog.=) ANY (job_ids))
     ORDER BY d.id
       FOR KEY SHARE OF d;
    RETURN QUERY
    WITH input AS (
        SELECT u.job_id, u.token, u.result
          FROM ROWS FROM (pg_catalog.unnest(job_ids), pg_catalog.unnest(claim_tokens),
                          pg_catalog.unnest(results)) AS u(job_id, token, result)
    ), finished AS (
        UPDATE docextract.extraction_jobs AS j
           SET status = 'completed', completed_at = GREATEST(pg_catalog.now(), j.started_at),
               processing_time_seconds = GREATEST(
                   EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) j.started_at)
                       ::double precision,
                   0.000001),
               error_message = NULL, holder = NULL, holder_pid = NULL, lease_expires_at = NULL,
               claim_digest = NULL, pages_done = j.pages_total
          FROM input AS i
         WHERE j.id OPERATOR(pg_catalog.=) i.job_id
           AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(i.token)
        RETURNING j.id, j.document_id, j.kind, i.result
    ), stored AS (
        INSERT INTO docextract.extracted_data
               (job_id, document_id, data, text, overall_confidence, field_confidence, extraction_method)
        SELECT f.id, f.document_id, r.data, r.text, r.overall_confidence, r.field_confidence,
               r.extraction_method
          FROM finished AS f,
               LATERAL docextract.result_row(f.kind, f.document_id, f.result) AS r
        RETURNING extracted_data.job_id
    )
    SELECT s.job_id FROM stored AS s;
    GET DIAGNOSTICS done = ROW_COUNT;
    IF done OPERATOR(pg_catalog.>) 0 THEN
        PERFORM docextract.wake_waiters();
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.complete_jobs(uuid[], uuid[], jsonb[]) IS
    'Worker API: complete_job() for a batch (job_ids[i] with claim_tokens[i] and results[i]); returns the ids of the jobs completed, leaving out those whose claim is stale.';

-- The retry policy, in one place: which errors are permanent, how many attempts, the backoff.
-- Workers only classify: an error is "code: message", with the helper's error code or the
-- worker's outcome (timeout, crashed, output_too_large, ...) before the first colon.
CREATE OR REPLACE FUNCTION docextract.error_code(error text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.substring(error, '^([a-z][a-z0-9_]*):') $$;
COMMENT ON FUNCTION docextract.error_code(text) IS 'The code of an error message written as "code: message" (null if it has none).';

CREATE OR REPLACE FUNCTION docextract.permanent_error(error text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- What another attempt cannot change: the document itself (encrypted, not supported, broken,
    -- too large for the limits) or a result the database refuses to store.
    SELECT coalesce(docextract.error_code(error) OPERATOR(pg_catalog.=) ANY (ARRAY[
        'encrypted', 'unsupported', 'corrupt', 'too_many_pixels', 'too_many_pages',
        'output_too_large', 'result_rejected']::pg_catalog.text[]), false)
$$;
COMMENT ON FUNCTION docextract.permanent_error(text) IS 'Whether an error (by its code) is one that no retry can change: such a job fails at once.';

CREATE OR REPLACE FUNCTION docextract.retry_delay(retry_count integer) RETURNS interval
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Exponential backoff with +/-25 % jitter, so that jobs that failed together do not retry
    -- together: base * 2^retry_count, capped.
    SELECT LEAST(
               pg_catalog.current_setting('docextract.retry_backoff_base')::interval
                   OPERATOR(pg_catalog.*) pg_catalog.power(2, LEAST(retry_count, 30)),
               pg_catalog.current_setting('docextract.retry_backoff_max')::interval)
           OPERATOR(pg_catalog.*)
           (0.75 OPERATOR(pg_catalog.+) (pg_catalog.random() OPERATOR(pg_catalog./) 2))
$$;
COMMENT ON FUNCTION docextract.retry_delay(integer) IS 'Backoff before the next attempt: retry_backoff_base * 2^retry_count, capped at retry_backoff_max, with jitter.';

CREATE OR REPLACE FUNCTION docextract.fail_job(job_id uuid, claim_token uuid, error text,
                                    retryable boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    again      boolean := retryable AND NOT docextract.permanent_error(error);
    new_status pg_catalog.text;
BEGIN
    UPDATE docextract.extraction_jobs AS j
       SET status = CASE WHEN again AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                         THEN 'pending' ELSE 'failed' END,
           retry_count = CASE WHEN again AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                              THEN j.retry_count OPERATOR(pg_catalog.+) 1
                              ELSE j.retry_count END,
           run_after = CASE WHEN again AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                            THEN pg_catalog.now() OPERATOR(pg_catalog.+)
                                 docextract.retry_delay(j.retry_count)
                            ELSE j.run_after END,
           completed_at = CASE WHEN again AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                               THEN NULL
                               ELSE GREATEST(pg_catalog.now(), j.started_at) END,
           processing_time_seconds =
               CASE WHEN again AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries THEN NULL
                    ELSE GREATEST(EXTRACT(epoch FROM pg_catalog.clock_timestamp()
                                                     OPERATOR(pg_catalog.-) j.started_at)
                                      ::double precision,
                                  0.000001) END,
           error_message = pg_catalog.left(coalesce(error, 'unknown error'), 2000),
           holder = NULL, holder_pid = NULL, lease_expires_at = NULL, claim_digest = NULL
     WHERE j.id OPERATOR(pg_catalog.=) fail_job.job_id
       AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(fail_job.claim_token)
    RETURNING j.status INTO new_status;
    IF new_status IS NULL THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
    IF new_status OPERATOR(pg_catalog.=) 'failed' THEN
        PERFORM docextract.wake_waiters();
    END IF;
    RETURN new_status;
END
$$;
COMMENT ON FUNCTION docextract.fail_job(uuid, uuid, text, boolean) IS
    'Worker API: records a failed attempt, error written as "code: message". The job is retried after a backoff while retries remain, unless the code is permanent (permanent_error()) or the caller passes retryable => false; else it fails. Returns the new status.';

-- Gives a job back without counting an attempt (the worker is shutting down).
CREATE OR REPLACE FUNCTION docextract.release_job(job_id uuid, claim_token uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE docextract.extraction_jobs AS j
       SET status = 'pending', started_at = NULL, holder = NULL, holder_pid = NULL,
           lease_expires_at = NULL, claim_digest = NULL, pages_done = NULL, pages_total = NULL
     WHERE j.id OPERATOR(pg_catalog.=) release_job.job_id
       AND j.claim_digest OPERATOR(pg_catalog.=) docextract.claim_digest(release_job.claim_token);
    IF NOT FOUND THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.release_job(uuid, uuid) IS 'Worker API: gives a claimed job back to the queue without counting an attempt.';

-- Takes back the jobs whose holder is gone: an in-server worker that is no longer running (or
-- ran before the server restarted or reset after a crash), or any holder whose lease has
-- expired. A lost lease is not an attempt: documents are parsed only by the sandboxed helper,
-- whose crash the worker reports with fail_job(), so a holder that vanished says nothing about
-- the document (an external worker walked away, a server reset took every job in flight). It
-- counts in lease_expirations instead, so that a job that keeps losing its holder still ends,
-- failed, after docextract.max_lease_expirations.
CREATE OR REPLACE FUNCTION docextract.reclaim_jobs() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bound  integer := pg_catalog.current_setting('docextract.max_lease_expirations')::integer;
    n      integer;
    failed integer;
BEGIN
    WITH dead AS MATERIALIZED (
        SELECT j.id
          FROM docextract.extraction_jobs AS j
         WHERE j.status OPERATOR(pg_catalog.=) 'processing'
           AND (j.lease_expires_at OPERATOR(pg_catalog.<) pg_catalog.now()
                OR (j.holder_pid IS NOT NULL
                    AND (j.started_at OPERATOR(pg_catalog.<) docextract.workers_epoch()
                         OR NOT EXISTS (SELECT FROM pg_catalog.pg_stat_get_activity(j.holder_pid) AS a
                                         WHERE a.backend_type OPERATOR(pg_catalog.=)
                                               'docextract worker'))))
           FOR UPDATE OF j SKIP LOCKED
    )
    , reclaimed AS (
        UPDATE docextract.extraction_jobs AS j
           SET status = CASE WHEN j.lease_expirations OPERATOR(pg_catalog.<) bound
                             THEN 'pending' ELSE 'failed' END,
               lease_expirations = j.lease_expirations OPERATOR(pg_catalog.+) 1,
               started_at = CASE WHEN j.lease_expirations OPERATOR(pg_catalog.<) bound
                                 THEN NULL ELSE j.started_at END,
               completed_at = CASE WHEN j.lease_expirations OPERATOR(pg_catalog.<) bound THEN NULL
                                   ELSE GREATEST(pg_catalog.now(), j.started_at) END,
               error_message = CASE WHEN j.lease_expirations OPERATOR(pg_catalog.<) bound
                   THEN pg_catalog.format('lease_lost: holder %s stopped before finishing the job', j.holder)
                   ELSE pg_catalog.format('lease_lost: holder %s stopped before finishing the job; '
                                          'the job lost its holder %s times, more than '
                                          'docextract.max_lease_expirations (%s) allows',
                                          j.holder, j.lease_expirations OPERATOR(pg_catalog.+) 1, bound)
                   END,
               holder = NULL, holder_pid = NULL, lease_expires_at = NULL, claim_digest = NULL,
               pages_done = NULL, pages_total = NULL
          FROM dead
         WHERE j.id OPERATOR(pg_catalog.=) dead.id
        RETURNING j.id, j.status
    )
    SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'failed')
      INTO n, failed
      FROM reclaimed AS r;
    IF failed OPERATOR(pg_catalog.>) 0 THEN
        PERFORM docextract.wake_waiters();
    END IF;
    -- The in-server worker 0 calls this about once a second: it also prunes, one small batch.
    PERFORM docextract.prune(100);
    RETURN n;
END
$$;
COMMENT ON FUNCTION docextract.reclaim_jobs() IS
    'Takes back jobs whose in-server worker has stopped or whose lease has expired, without counting an attempt; a job past docextract.max_lease_expirations lost leases fails. Returns how many were taken back.';

-- Retention: deletes finished jobs (and, by cascade, their results) that ended more than
-- docextract.job_retention ago, in batches, keeping each document's latest job and the job of
-- its latest result. Each call looks at the next batch_size finished jobs after the cursor, so
-- its cost stays bounded however many of them must be kept.
CREATE OR REPLACE FUNCTION docextract.prune(batch_size integer DEFAULT 100) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    keep    interval := pg_catalog.current_setting('docextract.job_retention')::interval;
    horizon pg_catalog.timestamptz := pg_catalog.now() OPERATOR(pg_catalog.-) keep;
    here    docextract.prune_cursor;
    seen    integer;
    pruned  integer;
    last_at pg_catalog.timestamptz;
    last_id pg_catalog.uuid;
BEGIN
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1
       OR batch_size OPERATOR(pg_catalog.>) 10000 THEN
        RAISE EXCEPTION 'batch size must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF keep OPERATOR(pg_catalog.<=) interval '0' THEN
        RETURN 0;  -- no retention set: keep everything
    END IF;
    -- One pruner at a time; a second one has nothing to do.
    SELECT c.* INTO here FROM docextract.prune_cursor AS c FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    WITH batch AS MATERIALIZED (
        SELECT j.id, j.document_id, j.status, j.created_at, j.completed_at
          FROM docextract.extraction_jobs AS j
         WHERE j.completed_at OPERATOR(pg_catalog.<) horizon
           AND (here.completed_at IS NULL
                OR (j.completed_at OPERATOR(pg_catalog.>=) here.completed_at
                    AND (j.completed_at OPERATOR(pg_catalog.>) here.completed_at
                         OR j.id OPERATOR(pg_catalog.>) here.job_id)))
         ORDER BY j.completed_at, j.id
         LIMIT batch_size
           FOR UPDATE OF j SKIP LOCKED
    ), gone AS (
        DELETE FROM docextract.extraction_jobs AS j
         USING batch AS b
         WHERE j.id OPERATOR(pg_catalog.=) b.id
           -- A newer job of the document exists; for a completed job, a newer completed one.
           AND EXISTS (SELECT FROM docextract.extraction_jobs AS k
                        WHERE k.document_id OPERATOR(pg_catalog.=) b.document_id
                          AND k.created_at OPERATOR(pg_catalog.>) b.created_at
                          AND (b.status OPERATOR(pg_catalog.<>) 'completed'
                               OR k.status OPERATOR(pg_catalog.=) 'completed'))
        RETURNING j.id
    )
    SELECT (SELECT pg_catalog.count(*) FROM gone)::integer, pg_catalog.count(*)::integer,
           pg_catalog.max(b.completed_at),
           (pg_catalog.array_agg(b.id ORDER BY b.completed_at DESC, b.id DESC))[1]
      INTO pruned, seen, last_at, last_id
      FROM batch AS b;
    -- A short batch reached the horizon: the next call starts from the oldest again, where jobs
    -- kept until now may have been superseded meanwhile.
    UPDATE docextract.prune_cursor AS c
       SET completed_at = CASE WHEN seen OPERATOR(pg_catalog.<) batch_size THEN NULL ELSE last_at END,
           job_id = CASE WHEN seen OPERATOR(pg_catalog.<) batch_size THEN NULL ELSE last_id END;
    RETURN pruned;
END
$$;
COMMENT ON FUNCTION docextract.prune(integer) IS
    'Deletes up to batch_size finished jobs (with their results) older than docextract.job_retention, keeping each document''s latest job and latest result; returns how many. reclaim_jobs() calls it, so worker 0 prunes about once a second.';
