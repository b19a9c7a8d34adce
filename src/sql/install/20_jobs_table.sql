-- The job queue's table.

-- The queue. Rows stay narrow (no text beyond the error message). The status columns are indexed,
-- so state changes are never HOT updates; but heartbeats and progress updates touch no indexed
-- column, and a fillfactor of 80 leaves room on the page for those to be HOT. A state change
-- inserts into every index whose predicate the new row meets, so the indexes are few and those
-- of columns that are null until a job ends are partial. Queue tables churn: vacuum and analyze
-- after 1 % of the rows change instead of the default 20 % / 10 %.
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
    -- Leases lost (expired, or the in-server holder died): not attempts, but bounded too.
    lease_expirations       integer     NOT NULL DEFAULT 0,
    -- Fair shares: the document's owner (a trigger keeps it), and the job's turn among owners.
    owner                   name        NOT NULL,
    fair_rank               bigint      NOT NULL DEFAULT 0,
    -- What the job does: extract the document, or re-run the field extractors on its newest
    -- stored result (refresh_fields(); no parsing of the document, no OCR).
    kind                    text        NOT NULL DEFAULT 'extract',
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
    CONSTRAINT job_non_negative_lease_expirations CHECK (lease_expirations >= 0),
    CONSTRAINT job_valid_kind CHECK (kind IN ('extract', 'refresh_fields')),
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
COMMENT ON COLUMN docextract.extraction_jobs.lease_expirations IS 'Times the job went back to pending because its holder lost the lease (expired, or the in-server worker died); not attempts. Past docextract.max_lease_expirations the job fails.';
COMMENT ON COLUMN docextract.extraction_jobs.owner IS 'Owner of the job''s document, kept in step with it by triggers: claims serve owners in turn.';
COMMENT ON COLUMN docextract.extraction_jobs.fair_rank IS 'The job''s turn: claims take the lowest first within a priority, so that owners alternate (next_fair_rank()).';
COMMENT ON COLUMN docextract.extraction_jobs.kind IS 'extract (the document is parsed and OCR''d) or refresh_fields (the field extractors re-run on the document''s newest stored result).';
COMMENT ON COLUMN docextract.extraction_jobs.pages_done IS 'Progress of a processing job: pages extracted so far, of pages_total.';

CREATE INDEX job_created_idx        ON docextract.extraction_jobs (created_at DESC);

CREATE INDEX job_doc_created_idx    ON docextract.extraction_jobs (document_id, created_at DESC);

CREATE INDEX job_status_created_idx ON docextract.extraction_jobs (status, created_at DESC);

-- The seed's job_status_idx and job_doc_status_idx are not kept: job_status_created_idx and
-- job_doc_created_idx lead with their columns. These two need no entry before a job ends.
CREATE INDEX job_completed_idx      ON docextract.extraction_jobs (completed_at)
    WHERE completed_at IS NOT NULL;

CREATE INDEX job_proc_time_idx      ON docextract.extraction_jobs (processing_time_seconds)
    WHERE processing_time_seconds IS NOT NULL;

-- Claiming reads the next pending jobs in priority order, then the owners' turns, then age: this
-- index holds only pending jobs, so it stays small however long the history grows.
CREATE INDEX job_claim_idx ON docextract.extraction_jobs (priority DESC, fair_rank, created_at, run_after)
    WHERE status = 'pending';

-- An owner's last turn, for the turn of the owner's next job.
CREATE INDEX job_owner_rank_idx ON docextract.extraction_jobs (owner, priority, fair_rank)
    WHERE status = 'pending';

-- Reclaiming scans only the jobs in flight.
CREATE INDEX job_lease_idx ON docextract.extraction_jobs (lease_expires_at)
    WHERE status = 'processing';

-- At most one active job per document.
CREATE UNIQUE INDEX job_one_active_per_document ON docextract.extraction_jobs (document_id)
    WHERE status IN ('pending', 'processing');

CREATE TRIGGER extraction_jobs_touch BEFORE UPDATE ON docextract.extraction_jobs
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();

-- Fair shares. A job's fair_rank is its place in its owner's round: the next job of an owner gets
-- one more than that owner's last pending job, but never less than the rank now at the head of
-- the queue, so that an owner who joins late is served in the current round instead of after
-- another owner's whole backlog. Claims take the lowest rank first (within a priority): owners
-- take turns. Two index probes per new job; nothing per claim. (The rows of one INSERT do not see
-- each other, so a bulk INSERT ... SELECT gives its jobs one rank; upload() and enqueue() queue
-- one job per statement.)
CREATE OR REPLACE FUNCTION docextract.next_fair_rank(job_owner name, job_priority integer)
RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT GREATEST(
        (SELECT j.fair_rank FROM docextract.extraction_jobs AS j
          WHERE j.status OPERATOR(pg_catalog.=) 'pending'
            AND j.priority OPERATOR(pg_catalog.=) job_priority
            AND j.run_after OPERATOR(pg_catalog.<=) pg_catalog.now()
          ORDER BY j.fair_rank LIMIT 1),
        (SELECT j.fair_rank OPERATOR(pg_catalog.+) 1 FROM docextract.extraction_jobs AS j
          WHERE j.status OPERATOR(pg_catalog.=) 'pending'
            AND j.owner OPERATOR(pg_catalog.=) job_owner
            AND j.priority OPERATOR(pg_catalog.=) job_priority
          ORDER BY j.fair_rank DESC LIMIT 1),
        0)
$$;
COMMENT ON FUNCTION docextract.next_fair_rank(name, integer) IS 'The fair_rank of a new pending job: one after its owner''s last pending job of that priority, and at least the rank at the head of the queue.';

CREATE OR REPLACE FUNCTION docextract.place_new_job() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- The owner always comes from the document. A missing document keeps an empty owner here
    -- and is reported by the foreign key, which is checked after this trigger.
    SELECT d.owner INTO NEW.owner
      FROM docextract.documents AS d WHERE d.id OPERATOR(pg_catalog.=) NEW.document_id;
    NEW.owner := coalesce(NEW.owner, '');
    IF NEW.status OPERATOR(pg_catalog.=) 'pending' THEN
        NEW.fair_rank := docextract.next_fair_rank(NEW.owner, NEW.priority);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION docextract.place_new_job() IS 'Trigger: sets a new job''s owner from its document and its fair_rank in the queue.';

CREATE TRIGGER extraction_jobs_place BEFORE INSERT ON docextract.extraction_jobs
    FOR EACH ROW EXECUTE FUNCTION docextract.place_new_job();

CREATE OR REPLACE FUNCTION docextract.follow_document_owner() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE docextract.extraction_jobs AS j SET owner = NEW.owner
     WHERE j.document_id OPERATOR(pg_catalog.=) NEW.id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION docextract.follow_document_owner() IS 'Trigger: when an administrator gives a document to another owner, its jobs follow.';

CREATE TRIGGER documents_owner_to_jobs AFTER UPDATE OF owner ON docextract.documents
    FOR EACH ROW WHEN (OLD.owner OPERATOR(pg_catalog.<>) NEW.owner)
    EXECUTE FUNCTION docextract.follow_document_owner();

-- Where prune() stopped: it walks the finished jobs in completion order, a batch per call, and
-- starts again from the oldest when it reaches the retention horizon.
CREATE TABLE docextract.prune_cursor (
    singleton    boolean     NOT NULL DEFAULT true,
    completed_at timestamptz,
    job_id       uuid,
    CONSTRAINT prune_cursor_pkey PRIMARY KEY (singleton),
    CONSTRAINT prune_cursor_one_row CHECK (singleton)
);
COMMENT ON TABLE docextract.prune_cursor IS 'One row: the last finished job prune() looked at (null: start from the oldest).';

INSERT INTO docextract.prune_cursor DEFAULT VALUES;

SELECT pg_catalog.pg_extension_config_dump('docextract.extraction_jobs', '');
