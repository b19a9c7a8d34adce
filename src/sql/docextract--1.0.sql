-- docextract 1.0: schema, validation, upload and job API.
-- Every function pins search_path to pg_catalog, pg_temp and names docextract objects with their
-- schema, so no object a user creates can be picked up by mistake.

\echo Use "CREATE EXTENSION docextract" to load this file. \quit

------------------------------------------------------------------------------------------------
-- Roles. Roles belong to the cluster, not to the extension, so they are created only when absent
-- and survive DROP EXTENSION / CREATE EXTENSION.
------------------------------------------------------------------------------------------------
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_user') THEN
        CREATE ROLE docextract_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_worker') THEN
        CREATE ROLE docextract_worker NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_admin') THEN
        CREATE ROLE docextract_admin NOLOGIN;
    END IF;
END
$roles$;

-- An admin can do everything a user can, on every document.
GRANT docextract_user TO docextract_admin;

GRANT USAGE ON SCHEMA docextract TO docextract_user, docextract_worker, docextract_admin;

------------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------------
CREATE TABLE docextract.documents (
    id                uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner             name        NOT NULL DEFAULT CURRENT_USER,
    original_filename text        NOT NULL,
    file_size         bigint      NOT NULL,
    file_format       text        NOT NULL,
    mime_type         text        NOT NULL,
    sha256            bytea       NOT NULL,
    document_type     text        NOT NULL DEFAULT 'other',
    description       text,
    uploaded_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT documents_pkey PRIMARY KEY (id),
    -- The same bytes uploaded twice by one owner are one document.
    CONSTRAINT doc_owner_sha256_key UNIQUE (owner, sha256),
    CONSTRAINT doc_positive_file_size CHECK (file_size > 0),
    CONSTRAINT doc_valid_file_format
        CHECK (file_format IN ('pdf', 'jpg', 'jpeg', 'png', 'tiff', 'bmp', 'webp')),
    CONSTRAINT doc_valid_mime_type
        CHECK (mime_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/tiff',
                             'image/bmp', 'image/x-ms-bmp', 'image/webp')),
    CONSTRAINT doc_format_matches_mime CHECK (
        CASE file_format
            WHEN 'pdf'  THEN mime_type = 'application/pdf'
            WHEN 'jpg'  THEN mime_type = 'image/jpeg'
            WHEN 'jpeg' THEN mime_type = 'image/jpeg'
            WHEN 'png'  THEN mime_type = 'image/png'
            WHEN 'tiff' THEN mime_type = 'image/tiff'
            WHEN 'bmp'  THEN mime_type IN ('image/bmp', 'image/x-ms-bmp')
            WHEN 'webp' THEN mime_type = 'image/webp'
        END),
    CONSTRAINT doc_valid_document_type CHECK (document_type IN (
        'invoice', 'receipt', 'contract', 'id_document', 'passport', 'drivers_license',
        'bank_statement', 'hr_form', 'medical_record', 'tax_form', 'legal_document',
        'certificate', 'letter', 'report', 'form', 'other')),
    CONSTRAINT doc_sha256_length CHECK (pg_catalog.octet_length(sha256) = 32),
    CONSTRAINT doc_filename_length
        CHECK (pg_catalog.octet_length(original_filename) BETWEEN 1 AND 255),
    CONSTRAINT doc_filename_no_path CHECK (pg_catalog.strpos(original_filename, '/') = 0),
    CONSTRAINT doc_description_length
        CHECK (description IS NULL OR pg_catalog.length(description) <= 10000),
    CONSTRAINT doc_valid_timestamps CHECK (updated_at >= uploaded_at)
);

-- One row per document. The bytes live apart so that listing documents never reads them, and
-- are stored EXTERNAL (uncompressed) because pdf, jpeg, png and webp are compressed already.
CREATE TABLE docextract.document_contents (
    document_id uuid  NOT NULL,
    content     bytea NOT NULL,
    CONSTRAINT document_contents_pkey PRIMARY KEY (document_id),
    CONSTRAINT document_contents_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE
);
ALTER TABLE docextract.document_contents ALTER COLUMN content SET STORAGE EXTERNAL;

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
    claim_token             uuid,
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
        (status = 'processing') = (claim_token IS NOT NULL)
        AND (claim_token IS NULL) = (holder IS NULL)
        AND (claim_token IS NULL) = (lease_expires_at IS NULL)
        AND (claim_token IS NOT NULL OR holder_pid IS NULL)),
    CONSTRAINT job_valid_progress CHECK (
        (pages_total IS NULL OR pages_total >= 0)
        AND (pages_done IS NULL OR (pages_done >= 0 AND pages_done <= pages_total)))
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.01);

CREATE TABLE docextract.extracted_data (
    id                 uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    job_id             uuid        NOT NULL,
    document_id        uuid        NOT NULL,
    data               jsonb       NOT NULL DEFAULT '{}',
    text               text,
    overall_confidence real,
    field_confidence   jsonb       NOT NULL DEFAULT '{}',
    extraction_method  text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT extracted_data_pkey PRIMARY KEY (id),
    CONSTRAINT extracted_data_job_key UNIQUE (job_id),
    CONSTRAINT extracted_data_job_fkey FOREIGN KEY (job_id)
        REFERENCES docextract.extraction_jobs (id) ON DELETE CASCADE,
    CONSTRAINT extracted_data_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE,
    CONSTRAINT data_valid_confidence
        CHECK (overall_confidence IS NULL OR overall_confidence BETWEEN 0 AND 1),
    CONSTRAINT data_is_object CHECK (pg_catalog.jsonb_typeof(data) = 'object'),
    CONSTRAINT data_field_confidence_is_object
        CHECK (pg_catalog.jsonb_typeof(field_confidence) = 'object'),
    CONSTRAINT data_valid_method CHECK (extraction_method IN ('native', 'ocr', 'mixed', 'none'))
);

------------------------------------------------------------------------------------------------
-- Indexes: the seed application's, under its names, and the queue's own.
------------------------------------------------------------------------------------------------
CREATE INDEX doc_uploaded_idx       ON docextract.documents (uploaded_at DESC);
CREATE INDEX doc_user_uploaded_idx  ON docextract.documents (owner, uploaded_at DESC);
CREATE INDEX doc_type_idx           ON docextract.documents (document_type);
CREATE INDEX doc_user_type_idx      ON docextract.documents (owner, document_type);
CREATE INDEX doc_format_idx         ON docextract.documents (file_format);
CREATE INDEX doc_user_format_idx    ON docextract.documents (owner, file_format);

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

CREATE INDEX data_document_idx ON docextract.extracted_data (document_id);

------------------------------------------------------------------------------------------------
-- Triggers
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;

CREATE TRIGGER documents_touch BEFORE UPDATE ON docextract.documents
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();
CREATE TRIGGER extraction_jobs_touch BEFORE UPDATE ON docextract.extraction_jobs
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();
CREATE TRIGGER extracted_data_touch BEFORE UPDATE ON docextract.extracted_data
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();

-- What describes the bytes may not drift away from them.
CREATE FUNCTION docextract.check_document_immutable() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.file_size IS DISTINCT FROM OLD.file_size
       OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.file_format IS DISTINCT FROM OLD.file_format
       OR NEW.mime_type IS DISTINCT FROM OLD.mime_type
       OR NEW.uploaded_at IS DISTINCT FROM OLD.uploaded_at THEN
        RAISE EXCEPTION 'cannot change the stored facts of document %', OLD.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'id, file_size, sha256, file_format, mime_type and uploaded_at describe the stored bytes and never change.',
                  HINT = 'Upload the new file as a new document.';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER documents_immutable BEFORE UPDATE ON docextract.documents
    FOR EACH ROW EXECUTE FUNCTION docextract.check_document_immutable();

CREATE FUNCTION docextract.check_content_matches() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_size bigint;
    doc_sha  bytea;
BEGIN
    SELECT d.file_size, d.sha256 INTO doc_size, doc_sha
      FROM docextract.documents AS d WHERE d.id = NEW.document_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports the missing document
    END IF;
    IF pg_catalog.octet_length(NEW.content) <> doc_size THEN
        RAISE EXCEPTION 'content of document % does not match its file_size', NEW.document_id
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('The document records %s bytes; the content has %s bytes.',
                                             doc_size, pg_catalog.octet_length(NEW.content));
    END IF;
    IF pg_catalog.sha256(NEW.content) <> doc_sha THEN
        RAISE EXCEPTION 'content of document % does not match its sha256', NEW.document_id
            USING ERRCODE = 'check_violation',
                  DETAIL = 'The SHA-256 of the content differs from the one the document records.';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER document_contents_match BEFORE INSERT OR UPDATE ON docextract.document_contents
    FOR EACH ROW EXECUTE FUNCTION docextract.check_content_matches();

------------------------------------------------------------------------------------------------
-- Validation (C)
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.detect_mime(content bytea) RETURNS text
LANGUAGE c STRICT STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_detect_mime';

CREATE FUNCTION docextract.validate_file(
    filename text, content bytea,
    OUT valid boolean, OUT file_format text, OUT mime_type text, OUT file_size bigint,
    OUT errors text[], OUT safe_filename text)
RETURNS record
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_validate_file';

------------------------------------------------------------------------------------------------
-- Authorisation helpers. The user-facing functions that change data are pairs: a SECURITY
-- INVOKER function that passes CURRENT_USER to a SECURITY DEFINER "_as" function. Inside a
-- SECURITY DEFINER function CURRENT_USER is the definer, so the actor must be passed in; the
-- "_as" function accepts it only if the session's user may act as that role anyway.
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.check_actor(actor name) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF actor IS NULL OR NOT pg_catalog.pg_has_role(SESSION_USER, actor, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to act as role %', pg_catalog.quote_ident(actor)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The session user must be a member of the role it acts for.';
    END IF;
END
$$;

CREATE FUNCTION docextract.is_admin(actor name) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.pg_has_role(actor, 'docextract_admin', 'MEMBER') $$;

------------------------------------------------------------------------------------------------
-- Upload
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.upload_as(
    actor name, filename text, content bytea,
    document_type text DEFAULT 'other', description text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v        record;
    doc_id   uuid;
    digest   bytea;
BEGIN
    PERFORM docextract.check_actor(actor);

    IF document_type IS NULL OR document_type NOT IN (
        'invoice', 'receipt', 'contract', 'id_document', 'passport', 'drivers_license',
        'bank_statement', 'hr_form', 'medical_record', 'tax_form', 'legal_document',
        'certificate', 'letter', 'report', 'form', 'other') THEN
        RAISE EXCEPTION 'invalid document type: %', coalesce(pg_catalog.quote_literal(document_type), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of invoice, receipt, contract, id_document, passport, drivers_license, bank_statement, hr_form, medical_record, tax_form, legal_document, certificate, letter, report, form or other.';
    END IF;
    IF pg_catalog.length(description) > 10000 THEN
        RAISE EXCEPTION 'description is too long'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = pg_catalog.format('The description has %s characters; the limit is 10000.',
                                             pg_catalog.length(description));
    END IF;

    v := docextract.validate_file(filename, content);
    IF NOT v.valid THEN
        RAISE EXCEPTION 'invalid document file'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.array_to_string(v.errors, ' '),
                  HINT = 'Accepted files are PDF, JPEG, PNG, TIFF, BMP and WebP documents whose extension matches their content.';
    END IF;

    digest := pg_catalog.sha256(content);
    INSERT INTO docextract.documents AS d
           (owner, original_filename, file_size, file_format, mime_type, sha256,
            document_type, description)
    VALUES (actor, v.safe_filename, v.file_size, v.file_format, v.mime_type, digest,
            upload_as.document_type, upload_as.description)
    ON CONFLICT ON CONSTRAINT doc_owner_sha256_key DO NOTHING
    RETURNING d.id INTO doc_id;

    IF doc_id IS NULL THEN
        SELECT d.id INTO STRICT doc_id FROM docextract.documents AS d
         WHERE d.owner = actor AND d.sha256 = digest;
        RAISE NOTICE 'document already uploaded'
            USING DETAIL = pg_catalog.format('Document %s has the same content; it is returned instead of a copy.', doc_id);
        RETURN doc_id;
    END IF;

    INSERT INTO docextract.document_contents (document_id, content) VALUES (doc_id, content);
    INSERT INTO docextract.extraction_jobs (document_id) VALUES (doc_id);
    RETURN doc_id;
END
$$;

CREATE FUNCTION docextract.upload(
    filename text, content bytea,
    document_type text DEFAULT 'other', description text DEFAULT NULL)
RETURNS uuid
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.upload_as(CURRENT_USER, filename, content, document_type, description) $$;

------------------------------------------------------------------------------------------------
-- Jobs
------------------------------------------------------------------------------------------------
-- Locks the document and checks that actor may manage it. Returns the owner.
CREATE FUNCTION docextract.lock_document_for(actor name, doc_id uuid) RETURNS name
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_owner name;
BEGIN
    SELECT d.owner INTO doc_owner FROM docextract.documents AS d WHERE d.id = doc_id FOR UPDATE;
    IF NOT FOUND OR (doc_owner <> actor AND NOT docextract.is_admin(actor)) THEN
        -- Someone else's document is reported as absent: its existence is not ours to reveal.
        RAISE EXCEPTION 'document % does not exist', doc_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN doc_owner;
END
$$;

CREATE FUNCTION docextract.lock_job_for(actor name, job_id uuid) RETURNS docextract.extraction_jobs
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job       docextract.extraction_jobs;
    doc_owner name;
BEGIN
    -- Lock the document before the job, in the order every other writer uses.
    SELECT d.owner INTO doc_owner
      FROM docextract.extraction_jobs AS j JOIN docextract.documents AS d ON d.id = j.document_id
     WHERE j.id = job_id
       FOR UPDATE OF d;
    IF FOUND AND (doc_owner = actor OR docextract.is_admin(actor)) THEN
        SELECT j.* INTO job FROM docextract.extraction_jobs AS j WHERE j.id = job_id FOR UPDATE;
    END IF;
    IF job.id IS NULL THEN
        -- Someone else's job is reported as absent, like someone else's document.
        RAISE EXCEPTION 'extraction job % does not exist', job_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN job;
END
$$;

CREATE FUNCTION docextract.enqueue_as(actor name, document_id uuid, priority integer DEFAULT 0)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    active docextract.extraction_jobs;
    new_id uuid;
BEGIN
    PERFORM docextract.check_actor(actor);
    IF document_id IS NULL THEN
        RAISE EXCEPTION 'document id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF priority IS NULL OR priority NOT BETWEEN -1000 AND 1000 THEN
        RAISE EXCEPTION 'priority must be between -1000 and 1000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM docextract.lock_document_for(actor, enqueue_as.document_id);

    SELECT j.* INTO active FROM docextract.extraction_jobs AS j
     WHERE j.document_id = enqueue_as.document_id AND j.status IN ('pending', 'processing');
    IF FOUND THEN
        RAISE EXCEPTION 'document % already has an active extraction job', enqueue_as.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s is %s.', active.id, active.status),
                  HINT = 'Wait for the job to finish, or cancel it with docextract.cancel_job().';
    END IF;

    INSERT INTO docextract.extraction_jobs (document_id, priority)
    VALUES (enqueue_as.document_id, enqueue_as.priority)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION docextract.enqueue(document_id uuid, priority integer DEFAULT 0) RETURNS uuid
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.enqueue_as(CURRENT_USER, document_id, priority) $$;

CREATE FUNCTION docextract.cancel_job_as(actor name, job_id uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job docextract.extraction_jobs;
BEGIN
    PERFORM docextract.check_actor(actor);
    job := docextract.lock_job_for(actor, job_id);
    IF job.status NOT IN ('pending', 'processing') THEN
        RAISE EXCEPTION 'extraction job % cannot be cancelled', job_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The job is already %s.', job.status);
    END IF;
    -- Clearing the claim token makes the holder's final update find nothing to change.
    UPDATE docextract.extraction_jobs AS j
       SET status = 'cancelled', completed_at = GREATEST(pg_catalog.now(), j.started_at),
           holder = NULL, holder_pid = NULL, lease_expires_at = NULL, claim_token = NULL,
           error_message = 'cancelled by ' || actor
     WHERE j.id = job_id;
    RETURN 'cancelled';
END
$$;

CREATE FUNCTION docextract.cancel_job(job_id uuid) RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.cancel_job_as(CURRENT_USER, job_id) $$;

CREATE FUNCTION docextract.retry_job_as(actor name, job_id uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job    docextract.extraction_jobs;
    active uuid;
BEGIN
    PERFORM docextract.check_actor(actor);
    job := docextract.lock_job_for(actor, job_id);
    IF job.status NOT IN ('failed', 'cancelled') THEN
        RAISE EXCEPTION 'extraction job % cannot be retried', job_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The job is %s; only failed or cancelled jobs can be retried.', job.status);
    END IF;
    SELECT j.id INTO active FROM docextract.extraction_jobs AS j
     WHERE j.document_id = job.document_id AND j.status IN ('pending', 'processing');
    IF FOUND THEN
        RAISE EXCEPTION 'document % already has an active extraction job', job.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s is active.', active);
    END IF;
    UPDATE docextract.extraction_jobs AS j
       SET status = 'pending', retry_count = 0, run_after = pg_catalog.now(),
           started_at = NULL, completed_at = NULL, error_message = NULL,
           processing_time_seconds = NULL, pages_done = NULL, pages_total = NULL
     WHERE j.id = job_id;
    RETURN 'pending';
END
$$;

CREATE FUNCTION docextract.retry_job(job_id uuid) RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.retry_job_as(CURRENT_USER, job_id) $$;

------------------------------------------------------------------------------------------------
-- Views. security_invoker makes row-level security apply to whoever queries the view. Counts and
-- the latest job come from one index probe per listed document (job_doc_created_idx), never from
-- aggregating every job, and no view reads document bytes.
------------------------------------------------------------------------------------------------
CREATE VIEW docextract.document_overview WITH (security_invoker = true) AS
SELECT d.id, d.owner, d.original_filename, d.file_size,
       pg_catalog.round(d.file_size / 1048576.0, 2) AS file_size_mb,
       d.file_format, d.mime_type, d.document_type, d.description,
       d.uploaded_at, d.updated_at,
       jobs.extraction_jobs_count,
       latest.id AS latest_extraction_job,
       latest.status AS latest_job_status
  FROM docextract.documents AS d
  CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS extraction_jobs_count
                        FROM docextract.extraction_jobs AS j
                       WHERE j.document_id = d.id) AS jobs
  LEFT JOIN LATERAL (SELECT j.id, j.status
                       FROM docextract.extraction_jobs AS j
                      WHERE j.document_id = d.id
                      ORDER BY j.created_at DESC
                      LIMIT 1) AS latest ON true;

CREATE VIEW docextract.job_overview WITH (security_invoker = true) AS
SELECT j.id, j.document_id, d.original_filename AS document_filename, d.owner,
       j.status, j.priority, j.retry_count, j.max_retries, j.run_after,
       j.created_at, j.started_at, j.completed_at, j.updated_at,
       j.error_message, j.processing_time_seconds, j.holder,
       EXISTS (SELECT FROM docextract.extracted_data AS x WHERE x.job_id = j.id) AS has_results,
       CASE j.status
           WHEN 'pending' THEN 0
           WHEN 'processing' THEN
               CASE WHEN j.pages_total > 0 THEN (j.pages_done * 100) / j.pages_total
                    ELSE 50 END
           WHEN 'completed' THEN 100
           WHEN 'failed' THEN 100
           ELSE 0
       END AS progress_percentage
  FROM docextract.extraction_jobs AS j
  JOIN docextract.documents AS d ON d.id = j.document_id;

------------------------------------------------------------------------------------------------
-- Row-level security. Users see and change only what they own; admins see everything; workers
-- read documents and contents to extract them. Jobs and results follow their document.
------------------------------------------------------------------------------------------------
ALTER TABLE docextract.documents         ENABLE ROW LEVEL SECURITY;
ALTER TABLE docextract.document_contents ENABLE ROW LEVEL SECURITY;
ALTER TABLE docextract.extraction_jobs   ENABLE ROW LEVEL SECURITY;
ALTER TABLE docextract.extracted_data    ENABLE ROW LEVEL SECURITY;

CREATE POLICY documents_owner ON docextract.documents TO docextract_user
    USING (owner = CURRENT_USER) WITH CHECK (owner = CURRENT_USER);
CREATE POLICY documents_admin ON docextract.documents TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY documents_worker ON docextract.documents FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY contents_owner ON docextract.document_contents TO docextract_user
    USING (document_id IN (SELECT d.id FROM docextract.documents AS d));
CREATE POLICY contents_admin ON docextract.document_contents TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY contents_worker ON docextract.document_contents FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY jobs_owner ON docextract.extraction_jobs TO docextract_user
    USING (document_id IN (SELECT d.id FROM docextract.documents AS d));
CREATE POLICY jobs_admin ON docextract.extraction_jobs TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY jobs_worker ON docextract.extraction_jobs FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY data_owner ON docextract.extracted_data TO docextract_user
    USING (document_id IN (SELECT d.id FROM docextract.documents AS d));
CREATE POLICY data_admin ON docextract.extracted_data TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY data_worker ON docextract.extracted_data FOR SELECT TO docextract_worker
    USING (true);

------------------------------------------------------------------------------------------------
-- Privileges. Nothing is granted to PUBLIC. Users read their rows, edit the descriptive columns
-- and delete their documents; everything else goes through the functions above.
------------------------------------------------------------------------------------------------
REVOKE ALL ON ALL TABLES IN SCHEMA docextract FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA docextract FROM PUBLIC;

GRANT SELECT, DELETE ON docextract.documents TO docextract_user;
GRANT UPDATE (document_type, description) ON docextract.documents TO docextract_user;
GRANT SELECT ON docextract.document_contents, docextract.extraction_jobs,
                docextract.extracted_data TO docextract_user;
GRANT SELECT ON docextract.document_overview, docextract.job_overview TO docextract_user;

GRANT SELECT, INSERT, UPDATE, DELETE ON docextract.documents, docextract.document_contents,
      docextract.extraction_jobs, docextract.extracted_data TO docextract_admin;

GRANT SELECT ON docextract.documents, docextract.document_contents, docextract.extraction_jobs,
                docextract.extracted_data TO docextract_worker;

GRANT EXECUTE ON FUNCTION
    docextract.detect_mime(bytea),
    docextract.validate_file(text, bytea),
    docextract.upload(text, bytea, text, text),
    docextract.upload_as(name, text, bytea, text, text),
    docextract.enqueue(uuid, integer),
    docextract.enqueue_as(name, uuid, integer),
    docextract.cancel_job(uuid),
    docextract.cancel_job_as(name, uuid),
    docextract.retry_job(uuid),
    docextract.retry_job_as(name, uuid)
  TO docextract_user;
GRANT EXECUTE ON FUNCTION docextract.detect_mime(bytea), docextract.validate_file(text, bytea)
  TO docextract_worker;

------------------------------------------------------------------------------------------------
-- pg_dump keeps the data of extension tables only when asked.
------------------------------------------------------------------------------------------------
SELECT pg_catalog.pg_extension_config_dump('docextract.documents', '');
SELECT pg_catalog.pg_extension_config_dump('docextract.document_contents', '');
SELECT pg_catalog.pg_extension_config_dump('docextract.extraction_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('docextract.extracted_data', '');

------------------------------------------------------------------------------------------------
-- Comments
------------------------------------------------------------------------------------------------
COMMENT ON TABLE docextract.documents IS
    'Uploaded documents: who uploaded what, its validated format and MIME type, size and SHA-256. The bytes are in docextract.document_contents.';
COMMENT ON COLUMN docextract.documents.owner IS 'Role that uploaded the document; row-level security shows a user only their own documents.';
COMMENT ON COLUMN docextract.documents.original_filename IS 'Base name of the uploaded file, after validation (no path, no control characters).';
COMMENT ON COLUMN docextract.documents.file_format IS 'Normalised file extension: pdf, jpg, jpeg, png, tiff, bmp or webp.';
COMMENT ON COLUMN docextract.documents.mime_type IS 'MIME type detected from the bytes by libmagic; the client''s content type is never trusted.';
COMMENT ON COLUMN docextract.documents.sha256 IS 'SHA-256 of the content (32 bytes); one owner never stores the same bytes twice.';
COMMENT ON COLUMN docextract.documents.document_type IS 'What the document is (invoice, receipt, contract, ...); defaults to other.';
COMMENT ON COLUMN docextract.documents.file_size IS 'Size of the content in bytes; always equal to the stored content''s length.';
COMMENT ON TABLE docextract.document_contents IS
    'The bytes of each document, one row per document, stored uncompressed out of line so that listing documents never reads them.';
COMMENT ON TABLE docextract.extraction_jobs IS
    'The extraction queue and its history: one row per extraction attempt series of a document. At most one job per document is pending or processing.';
COMMENT ON COLUMN docextract.extraction_jobs.status IS 'pending, processing, completed, failed or cancelled.';
COMMENT ON COLUMN docextract.extraction_jobs.run_after IS 'A pending job is not claimed before this time (retry backoff).';
COMMENT ON COLUMN docextract.extraction_jobs.holder IS 'Lease: name of the worker processing the job.';
COMMENT ON COLUMN docextract.extraction_jobs.holder_pid IS 'Lease: process ID of an in-server worker holding the job, so that its death is noticed at once.';
COMMENT ON COLUMN docextract.extraction_jobs.lease_expires_at IS 'Lease: when an external holder that stops sending heartbeats loses the job.';
COMMENT ON COLUMN docextract.extraction_jobs.claim_token IS 'Lease: proof of the current claim; a finishing update with an older token changes nothing.';
COMMENT ON COLUMN docextract.extraction_jobs.pages_done IS 'Progress of a processing job: pages extracted so far, of pages_total.';
COMMENT ON TABLE docextract.extracted_data IS
    'Results of completed jobs: structured data, the full text, confidences and the extraction method; one row per completed job.';
COMMENT ON COLUMN docextract.extracted_data.overall_confidence IS 'Confidence of the extraction, from 0 to 1 (OCR confidence; 1 for native PDF text).';
COMMENT ON COLUMN docextract.extracted_data.extraction_method IS 'native (text from the PDF), ocr, mixed (both) or none (no text found).';

COMMENT ON FUNCTION docextract.touch_updated_at() IS 'Trigger: keeps updated_at current on every update.';
COMMENT ON FUNCTION docextract.check_document_immutable() IS 'Trigger: refuses changes to the columns that describe the stored bytes.';
COMMENT ON FUNCTION docextract.check_content_matches() IS 'Trigger: refuses content whose length or SHA-256 differs from its document row.';
COMMENT ON FUNCTION docextract.detect_mime(bytea) IS 'MIME type of the bytes, as libmagic detects it.';
COMMENT ON FUNCTION docextract.validate_file(text, bytea) IS
    'Checks a file against every rule (size limits, extension whitelist, MIME type, signature, polyglots, file name) and lists every problem found.';
COMMENT ON FUNCTION docextract.check_actor(name) IS 'Refuses to act for a role the session user is not a member of.';
COMMENT ON FUNCTION docextract.is_admin(name) IS 'Whether the role is a member of docextract_admin.';
COMMENT ON FUNCTION docextract.upload_as(name, text, bytea, text, text) IS
    'upload() on behalf of a role the session user is a member of.';
COMMENT ON FUNCTION docextract.upload(text, bytea, text, text) IS
    'Validates a file, stores it and queues its extraction, in one transaction; returns the document id. The same bytes uploaded again return the existing document.';
COMMENT ON FUNCTION docextract.lock_document_for(name, uuid) IS 'Locks a document the role may manage, or reports it as absent.';
COMMENT ON FUNCTION docextract.lock_job_for(name, uuid) IS 'Locks a job whose document the role may manage, or reports it as absent.';
COMMENT ON FUNCTION docextract.enqueue_as(name, uuid, integer) IS 'enqueue() on behalf of a role the session user is a member of.';
COMMENT ON FUNCTION docextract.enqueue(uuid, integer) IS
    'Queues a new extraction of a document; refused while the document has a pending or processing job. Returns the job id.';
COMMENT ON FUNCTION docextract.cancel_job_as(name, uuid) IS 'cancel_job() on behalf of a role the session user is a member of.';
COMMENT ON FUNCTION docextract.cancel_job(uuid) IS 'Cancels a pending or processing job.';
COMMENT ON FUNCTION docextract.retry_job_as(name, uuid) IS 'retry_job() on behalf of a role the session user is a member of.';
COMMENT ON FUNCTION docextract.retry_job(uuid) IS 'Puts a failed or cancelled job back in the queue, with its retry count reset.';
COMMENT ON VIEW docextract.document_overview IS
    'Documents with their size in MiB, number of extraction jobs and latest job; never reads the bytes.';
COMMENT ON VIEW docextract.job_overview IS
    'Jobs with their document''s file name, whether results exist, and progress in percent (0 pending, pages done while processing, 100 completed or failed).';
