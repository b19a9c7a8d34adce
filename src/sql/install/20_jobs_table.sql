-- The job queue's table.

-- The queue. Rows stay narrow (no text beyond the error message). The status columns are indexed,
-- so state changes are never HOT updates; but heartbeats and progress updates touch no indexed
-- column, and a fillfactor of 80 leaves room on the page for those to be HOT. Queue tables churn:
-- vacuum and analyze after 1 % of the rows change instead of the default 20 % / 10 %.
CREATE TABLE docextract.extraction_jobs (
    id                      uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    document_id             uuid        NOT NULL,
    status                  text        NOT NULL DEFAULT 'pending',
    priority                integer     NOT NULL DEFAULT 0,
    retry_count             integer     NOT NULL DEFAULT 0,
    max_retries             integer     NOT NULL DEFAULT 3,
    run_after               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at              timestamptz NOT NULL DEFAULT pg_catalog.now(),
    started_at              timestamptz,
    completed_at            timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT pg_catalog.now(),
    error_message           text,
    processing_time_seconds double precision,
    -- The lease: who holds a processing job, until when, and the token that proves it.
    holder                  text,
    holder_pid              integer,
    lease_expires_at        timestamptz,
    -- SHA-256 of the claim token: the token itself goes only to the claimant, so nobody who
    -- can read this table can act on someone else's claim.
    claim_digest            bytea,
    pages_done              integer,
    pages_total             integer,
    CONSTRAINT extraction_jobs_pkey PRIMARY KEY (id),
    CONSTRAINT extraction_jobs_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE,
    CONSTRAINT job_valid_status
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    CONSTRAINT job_non_negative_retry CHECK (retry_count >= 0),
    CONSTRAINT job_valid_max_retries CHECK (max_retries BETWEEN 0 AND 100),
    CONSTRAINT job_retry_within_max CHECK (retry_count <= max_retries),
    CONSTRAINT job_positive_proc_time
        CHECK (processing_time_seconds IS NULL OR processing_time_seconds > 0),
    CONSTRAINT job_valid_timestamps
        CHECK (started_at IS NULL OR completed_at IS NULL OR completed_at >= started_at),
    CONSTRAINT job_finished_when_terminal
        CHECK ((status IN ('completed', 'failed', 'cancelled')) = (completed_at IS NOT NULL)),
    CONSTRAINT job_lease_when_processing CHECK (
        (status = 'processing') = (claim_digest IS NOT NULL)
        AND (claim_digest IS NULL) = (holder IS NULL)
        AND (claim_digest IS NULL) = (lease_expires_at IS NULL)
        AND (claim_digest IS NOT NULL OR holder_pid IS NULL)),
    CONSTRAINT job_claim_digest_length
        CHECK (claim_digest IS NULL OR pg_catalog.octet_length(claim_digest) = 32),
    CONSTRAINT job_valid_progress CHECK (
        (pages_total IS NULL OR pages_total >= 0)
        AND (pages_done IS NULL OR (pages_done >= 0 AND pages_done <= pages_total)))
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.01);
COMMENT ON TABLE docextract.extraction_jobs IS
    'The extraction queue and its history: one row per extraction attempt series of a document. At most one job per document is pending or processing.';
COMMENT ON COLUMN docextract.extraction_jobs.status IS 'pending, processing, completed, failed or cancelled.';
COMMENT ON COLUMN docextract.extraction_jobs.run_after IS 'A pending job is not claimed before this time (retry backoff).';
COMMENT ON COLUMN docextract.extraction_jobs.holder IS 'Lease: name of the worker processing the job.';
COMMENT ON COLUMN docextract.extraction_jobs.holder_pid IS 'Lease: process ID of an in-server worker holding the job, so that its death is noticed at once.';
COMMENT ON COLUMN docextract.extraction_jobs.lease_expires_at IS 'Lease: when an external holder that stops sending heartbeats loses the job.';
COMMENT ON COLUMN docextract.extraction_jobs.claim_digest IS 'Lease: SHA-256 of the current claim token. Only the claimant knows the token; a call with an older or unknown token changes nothing.';
COMMENT ON COLUMN docextract.extraction_jobs.pages_done IS 'Progress of a processing job: pages extracted so far, of pages_total.';

CREATE INDEX job_created_idx        ON docextract.extraction_jobs (created_at DESC);

CREATE INDEX job_doc_created_idx    ON docextract.extraction_jobs (document_id, created_at DESC);

CREATE INDEX job_status_idx         ON docextract.extraction_jobs (status);

CREATE INDEX job_status_created_idx ON docextract.extraction_jobs (status, created_at DESC);

CREATE INDEX job_doc_status_idx     ON docextract.extraction_jobs (document_id, status);

CREATE INDEX job_completed_idx      ON docextract.extraction_jobs (completed_at);

CREATE INDEX job_proc_time_idx      ON docextract.extraction_jobs (processing_time_seconds);

-- Claiming reads the next pending jobs in priority order, then age: this index holds only pending
-- jobs, so it stays small however long the history grows.
CREATE INDEX job_claim_idx ON docextract.extraction_jobs (priority DESC, created_at, run_after)
    WHERE status = 'pending';

-- Reclaiming scans only the jobs in flight.
CREATE INDEX job_lease_idx ON docextract.extraction_jobs (lease_expires_at)
    WHERE status = 'processing';

-- At most one active job per document.
CREATE UNIQUE INDEX job_one_active_per_document ON docextract.extraction_jobs (document_id)
    WHERE status IN ('pending', 'processing');

CREATE TRIGGER extraction_jobs_touch BEFORE UPDATE ON docextract.extraction_jobs
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();

SELECT pg_catalog.pg_extension_config_dump('docextract.extraction_jobs', '');
