-- docextract 1.0 to 1.1. Assembled at build time: each "--@include" line is replaced by an install
-- part or by one object of it (src/sql/README.md).

\echo Use "ALTER EXTENSION docextract UPDATE TO '1.1'" to load this file. \quit

-- Messages: the format hint only for format problems.
--@include 10_documents.sql check_document_immutable

--@include 85_search.sql
-- Results stored before the update become searchable.
SELECT pg_catalog.count(docextract.search_index_document(x.document_id))
  FROM (SELECT DISTINCT e.document_id FROM docextract.extracted_data AS e) AS x;

-- The queue (issue 12): lost leases are not attempts, one retry policy, fair shares, cheaper
-- state changes. The new columns are added without a default and filled by an UPDATE, so that
-- the catalog has no "missing value" a fresh install lacks; the touch trigger is off meanwhile
-- (filling a column is not a change of the jobs).
-- (kind, of the field refresh below, is filled in the same pass.)
ALTER TABLE docextract.extraction_jobs
    ADD COLUMN lease_expirations integer,
    ADD COLUMN owner name,
    ADD COLUMN fair_rank bigint,
    ADD COLUMN kind text;
ALTER TABLE docextract.extraction_jobs
    ALTER COLUMN lease_expirations SET DEFAULT 0,
    ALTER COLUMN fair_rank SET DEFAULT 0,
    ALTER COLUMN kind SET DEFAULT 'extract';
ALTER TABLE docextract.extraction_jobs DISABLE TRIGGER extraction_jobs_touch;
UPDATE docextract.extraction_jobs AS j
   SET lease_expirations = 0, owner = d.owner, fair_rank = 0, kind = 'extract'
  FROM docextract.documents AS d WHERE d.id OPERATOR(pg_catalog.=) j.document_id;
ALTER TABLE docextract.extraction_jobs ENABLE TRIGGER extraction_jobs_touch;
ALTER TABLE docextract.extraction_jobs
    ALTER COLUMN lease_expirations SET NOT NULL,
    ALTER COLUMN owner SET NOT NULL,
    ALTER COLUMN fair_rank SET NOT NULL,
    ALTER COLUMN kind SET NOT NULL,
    ADD CONSTRAINT job_non_negative_lease_expirations CHECK (lease_expirations >= 0),
    ADD CONSTRAINT job_valid_kind CHECK (kind IN ('extract', 'refresh_fields'));
COMMENT ON COLUMN docextract.extraction_jobs.lease_expirations IS 'Times the job went back to pending because its holder lost the lease (expired, or the in-server worker died); not attempts. Past docextract.max_lease_expirations the job fails.';
COMMENT ON COLUMN docextract.extraction_jobs.owner IS 'Owner of the job''s document, kept in step with it by triggers: claims serve owners in turn.';
COMMENT ON COLUMN docextract.extraction_jobs.fair_rank IS 'The job''s turn: claims take the lowest first within a priority, so that owners alternate (next_fair_rank()).';
COMMENT ON COLUMN docextract.extraction_jobs.kind IS 'extract (the document is parsed and OCR''d) or refresh_fields (the field extractors re-run on the document''s newest stored result).';
DROP INDEX docextract.job_claim_idx;
CREATE INDEX job_claim_idx ON docextract.extraction_jobs (priority DESC, fair_rank, created_at, run_after)
    WHERE status = 'pending';
CREATE INDEX job_owner_rank_idx ON docextract.extraction_jobs (owner, priority, fair_rank)
    WHERE status = 'pending';
--@include 20_jobs_table.sql next_fair_rank
--@include 20_jobs_table.sql place_new_job
CREATE TRIGGER extraction_jobs_place BEFORE INSERT ON docextract.extraction_jobs
    FOR EACH ROW EXECUTE FUNCTION docextract.place_new_job();
--@include 20_jobs_table.sql follow_document_owner
CREATE TRIGGER documents_owner_to_jobs AFTER UPDATE OF owner ON docextract.documents
    FOR EACH ROW WHEN (OLD.owner OPERATOR(pg_catalog.<>) NEW.owner)
    EXECUTE FUNCTION docextract.follow_document_owner();
CREATE TABLE docextract.prune_cursor (
    singleton    boolean     NOT NULL DEFAULT true,
    completed_at timestamptz,
    job_id       uuid,
    CONSTRAINT prune_cursor_pkey PRIMARY KEY (singleton),
    CONSTRAINT prune_cursor_one_row CHECK (singleton)
);
COMMENT ON TABLE docextract.prune_cursor IS 'One row: the last finished job prune() looked at (null: start from the oldest).';
INSERT INTO docextract.prune_cursor DEFAULT VALUES;
REVOKE ALL ON docextract.prune_cursor FROM PUBLIC;
--@include 40_upload.sql check_quota
--@include 40_upload.sql upload_as
--@include 50_jobs.sql check_priority
--@include 50_jobs.sql queue_job_as
--@include 50_jobs.sql enqueue_as
--@include 50_jobs.sql retry_job_as
-- claim_jobs() also returns the job's kind: a new result type.
DROP FUNCTION docextract.claim_jobs(text, integer);
--@include 60_worker_api.sql claim_jobs
REVOKE ALL ON FUNCTION docextract.claim_jobs(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION docextract.claim_jobs(text, integer) TO docextract_worker;
--@include 60_worker_api.sql error_code
--@include 60_worker_api.sql permanent_error
--@include 60_worker_api.sql fail_job
--@include 60_worker_api.sql reclaim_jobs
--@include 60_worker_api.sql prune
REVOKE ALL ON FUNCTION docextract.next_fair_rank(name, integer), docextract.place_new_job(),
    docextract.follow_document_owner(), docextract.check_quota(name, bytea, bigint),
    docextract.error_code(text), docextract.permanent_error(text), docextract.prune(integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION docextract.prune(integer) TO docextract_worker, docextract_admin;
DROP INDEX docextract.job_status_idx;
DROP INDEX docextract.job_doc_status_idx;
DROP INDEX docextract.job_completed_idx;
CREATE INDEX job_completed_idx      ON docextract.extraction_jobs (completed_at)
    WHERE completed_at IS NOT NULL;
DROP INDEX docextract.job_proc_time_idx;
CREATE INDEX job_proc_time_idx      ON docextract.extraction_jobs (processing_time_seconds)
    WHERE processing_time_seconds IS NOT NULL;
ALTER POLICY jobs_owner ON docextract.extraction_jobs USING (owner = CURRENT_USER);
--@include 60_worker_api.sql complete_jobs
REVOKE ALL ON FUNCTION docextract.complete_jobs(uuid[], uuid[], jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION docextract.complete_jobs(uuid[], uuid[], jsonb[]) TO docextract_worker;
-- End of the queue's changes.

-- Field refresh: refresh_fields jobs re-run the field extractors on stored results.
--@include 60_worker_api.sql field_keys
--@include 60_worker_api.sql newest_result
--@include 60_worker_api.sql result_row
--@include 60_worker_api.sql refresh_source
--@include 60_worker_api.sql complete_job
--@include 75_fields.sql fields_version
--@include 75_fields.sql fields_outdated
--@include 75_fields.sql refresh_fields_as
--@include 75_fields.sql refresh_fields
--@include 75_fields.sql refresh_all_fields_as
--@include 75_fields.sql refresh_all_fields
REVOKE ALL ON FUNCTION docextract.field_keys(), docextract.newest_result(uuid),
    docextract.result_row(text, uuid, jsonb), docextract.refresh_source(uuid, uuid),
    docextract.fields_version(), docextract.fields_outdated(jsonb),
    docextract.check_priority(name, integer), docextract.queue_job_as(name, uuid, integer, text),
    docextract.refresh_fields_as(name, uuid, integer),
    docextract.refresh_fields(uuid, integer), docextract.refresh_all_fields_as(name, boolean, integer),
    docextract.refresh_all_fields(boolean, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    docextract.refresh_fields(uuid, integer),
    docextract.refresh_fields_as(name, uuid, integer),
    docextract.refresh_all_fields(boolean, integer),
    docextract.refresh_all_fields_as(name, boolean, integer)
  TO docextract_user;
GRANT EXECUTE ON FUNCTION docextract.fields_version(), docextract.fields_outdated(jsonb)
  TO docextract_user, docextract_worker;
GRANT EXECUTE ON FUNCTION docextract.refresh_source(uuid, uuid) TO docextract_worker;

-- Monitoring: escaped label values, and a database label on every metric.
--@include 80_monitoring.sql prometheus_label
--@include 80_monitoring.sql metrics
REVOKE ALL ON FUNCTION docextract.prometheus_label(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION docextract.prometheus_label(text) TO docextract_admin, docextract_worker;

--@include 99_start.sql
