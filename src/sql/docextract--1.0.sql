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
    -- IS DISTINCT FROM without its unqualified =: the columns are NOT NULL, so OLD's values never
    -- are, and NEW's differ from them when null or unequal.
    IF NEW.id IS NULL OR NEW.id OPERATOR(pg_catalog.<>) OLD.id
       OR NEW.file_size IS NULL OR NEW.file_size OPERATOR(pg_catalog.<>) OLD.file_size
       OR NEW.sha256 IS NULL OR NEW.sha256 OPERATOR(pg_catalog.<>) OLD.sha256
       OR NEW.file_format IS NULL OR NEW.file_format OPERATOR(pg_catalog.<>) OLD.file_format
       OR NEW.mime_type IS NULL OR NEW.mime_type OPERATOR(pg_catalog.<>) OLD.mime_type
       OR NEW.uploaded_at IS NULL OR NEW.uploaded_at OPERATOR(pg_catalog.<>) OLD.uploaded_at THEN
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
    doc_sha  pg_catalog.bytea;
BEGIN
    SELECT d.file_size, d.sha256 INTO doc_size, doc_sha
      FROM docextract.documents AS d WHERE d.id OPERATOR(pg_catalog.=) NEW.document_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports the missing document
    END IF;
    IF pg_catalog.octet_length(NEW.content) OPERATOR(pg_catalog.<>) doc_size THEN
        RAISE EXCEPTION 'content of document % does not match its file_size', NEW.document_id
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('The document records %s bytes; the content has %s bytes.',
                                             doc_size, pg_catalog.octet_length(NEW.content));
    END IF;
    IF pg_catalog.sha256(NEW.content) OPERATOR(pg_catalog.<>) doc_sha THEN
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
    OUT errors text[], OUT safe_filename text, OUT notes text[])
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
DECLARE
    r pg_catalog.pg_roles;
BEGIN
    SELECT * INTO r FROM pg_catalog.pg_roles AS a WHERE a.rolname OPERATOR(pg_catalog.=) actor;
    IF actor IS NULL OR NOT FOUND
       OR NOT pg_catalog.pg_has_role(SESSION_USER, r.oid, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to act as role %', coalesce(pg_catalog.quote_ident(actor), 'NULL')
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The session user must be a member of the role it acts for.';
    END IF;
    -- Documents belong to people: a group role, or a role nobody logs in as, would share them
    -- with everyone who can SET ROLE to it.
    IF NOT r.rolcanlogin
       OR r.rolname OPERATOR(pg_catalog.=)
          ANY ('{docextract_user,docextract_worker,docextract_admin}'::pg_catalog.name[])
       OR NOT pg_catalog.pg_has_role(r.oid, 'docextract_user', 'MEMBER') THEN
        RAISE EXCEPTION 'role % cannot own documents', pg_catalog.quote_ident(actor)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Documents are owned by login roles that are members of docextract_user; group roles, roles without LOGIN and the extension''s own roles cannot own them.',
                  HINT = 'Act as a login role, for example by running SET ROLE to it first, or grant docextract_user to that login role.';
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
    v        pg_catalog.record;
    doc_id   pg_catalog.uuid;
    digest   pg_catalog.bytea;
    note     pg_catalog.text;
BEGIN
    -- First: whatever fails below, the statement (with the bytes, if sent as a literal) is not
    -- written to the server log.
    PERFORM docextract.hide_statement();
    PERFORM docextract.check_actor(actor);

    IF document_type IS NULL OR document_type OPERATOR(pg_catalog.<>) ALL (ARRAY[
        'invoice', 'receipt', 'contract', 'id_document', 'passport', 'drivers_license',
        'bank_statement', 'hr_form', 'medical_record', 'tax_form', 'legal_document',
        'certificate', 'letter', 'report', 'form', 'other']::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'invalid document type: %', coalesce(pg_catalog.quote_literal(document_type), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of invoice, receipt, contract, id_document, passport, drivers_license, bank_statement, hr_form, medical_record, tax_form, legal_document, certificate, letter, report, form or other.';
    END IF;
    IF pg_catalog.length(description) OPERATOR(pg_catalog.>) 10000 THEN
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

    -- What validation changed without refusing the file (a directory part removed from the
    -- name) is said, not done silently.
    FOREACH note IN ARRAY v.notes LOOP
        RAISE NOTICE 'file name changed' USING DETAIL = pg_catalog.upper(pg_catalog.left(note, 1))
                                                        OPERATOR(pg_catalog.||) pg_catalog.substr(note, 2);
    END LOOP;
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
         WHERE d.owner OPERATOR(pg_catalog.=) actor AND d.sha256 OPERATOR(pg_catalog.=) digest;
        RAISE NOTICE 'document already uploaded'
            USING DETAIL = pg_catalog.format('Document %s has the same content; it is returned instead of a copy.', doc_id);
        RETURN doc_id;
    END IF;

    INSERT INTO docextract.document_contents (document_id, content) VALUES (doc_id, content);
    INSERT INTO docextract.extraction_jobs (document_id) VALUES (doc_id);
    PERFORM docextract.wake_workers();
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
    doc_owner pg_catalog.name;
BEGIN
    SELECT d.owner INTO doc_owner
      FROM docextract.documents AS d WHERE d.id OPERATOR(pg_catalog.=) doc_id FOR UPDATE;
    IF NOT FOUND OR (doc_owner OPERATOR(pg_catalog.<>) actor AND NOT docextract.is_admin(actor)) THEN
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
    doc_owner pg_catalog.name;
BEGIN
    -- Lock the document before the job, in the order every other writer uses.
    SELECT d.owner INTO doc_owner
      FROM docextract.extraction_jobs AS j
      JOIN docextract.documents AS d ON d.id OPERATOR(pg_catalog.=) j.document_id
     WHERE j.id OPERATOR(pg_catalog.=) job_id
       FOR UPDATE OF d;
    IF FOUND AND (doc_owner OPERATOR(pg_catalog.=) actor OR docextract.is_admin(actor)) THEN
        SELECT j.* INTO job
          FROM docextract.extraction_jobs AS j WHERE j.id OPERATOR(pg_catalog.=) job_id FOR UPDATE;
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
    new_id pg_catalog.uuid;
BEGIN
    PERFORM docextract.check_actor(actor);
    IF document_id IS NULL THEN
        RAISE EXCEPTION 'document id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF priority IS NULL
       OR priority OPERATOR(pg_catalog.<) -1000 OR priority OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'priority must be between -1000 and 1000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM docextract.lock_document_for(actor, enqueue_as.document_id);

    SELECT j.* INTO active FROM docextract.extraction_jobs AS j
     WHERE j.document_id OPERATOR(pg_catalog.=) enqueue_as.document_id
       AND j.status OPERATOR(pg_catalog.=) ANY ('{pending,processing}'::pg_catalog.text[]);
    IF FOUND THEN
        RAISE EXCEPTION 'document % already has an active extraction job', enqueue_as.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s is %s.', active.id, active.status),
                  HINT = 'Wait for the job to finish, or cancel it with docextract.cancel_job().';
    END IF;

    INSERT INTO docextract.extraction_jobs (document_id, priority)
    VALUES (enqueue_as.document_id, enqueue_as.priority)
    RETURNING id INTO new_id;
    PERFORM docextract.wake_workers();
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
    IF job.status OPERATOR(pg_catalog.<>) ALL ('{pending,processing}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'extraction job % cannot be cancelled', job_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The job is already %s.', job.status);
    END IF;
    -- Clearing the claim token makes the holder's final update find nothing to change.
    UPDATE docextract.extraction_jobs AS j
       SET status = 'cancelled', completed_at = GREATEST(pg_catalog.now(), j.started_at),
           holder = NULL, holder_pid = NULL, lease_expires_at = NULL, claim_digest = NULL,
           error_message = 'cancelled by ' OPERATOR(pg_catalog.||) actor
     WHERE j.id OPERATOR(pg_catalog.=) job_id;
    PERFORM docextract.wake_waiters();
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
    active pg_catalog.uuid;
BEGIN
    PERFORM docextract.check_actor(actor);
    job := docextract.lock_job_for(actor, job_id);
    IF job.status OPERATOR(pg_catalog.<>) ALL ('{failed,cancelled}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'extraction job % cannot be retried', job_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The job is %s; only failed or cancelled jobs can be retried.', job.status);
    END IF;
    SELECT j.id INTO active FROM docextract.extraction_jobs AS j
     WHERE j.document_id OPERATOR(pg_catalog.=) job.document_id
       AND j.status OPERATOR(pg_catalog.=) ANY ('{pending,processing}'::pg_catalog.text[]);
    IF FOUND THEN
        RAISE EXCEPTION 'document % already has an active extraction job', job.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s is active.', active);
    END IF;
    UPDATE docextract.extraction_jobs AS j
       SET status = 'pending', retry_count = 0, run_after = pg_catalog.now(),
           started_at = NULL, completed_at = NULL, error_message = NULL,
           processing_time_seconds = NULL, pages_done = NULL, pages_total = NULL
     WHERE j.id OPERATOR(pg_catalog.=) job_id;
    PERFORM docextract.wake_workers();
    RETURN 'pending';
END
$$;

CREATE FUNCTION docextract.retry_job(job_id uuid) RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.retry_job_as(CURRENT_USER, job_id) $$;

------------------------------------------------------------------------------------------------
-- The queue's worker API. The in-server workers call exactly these functions, so there is one
-- claim path. A claim is a lease: its token must accompany every later call, and a call with a
-- stale token (the job was cancelled, reclaimed or finished meanwhile) changes nothing.
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.in_server_worker() RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_in_server_worker';

CREATE FUNCTION docextract.hide_statement() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_hide_statement';

CREATE FUNCTION docextract.wake_workers() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_wake_workers';

CREATE FUNCTION docextract.workers_epoch() RETURNS timestamptz
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_workers_epoch';

CREATE FUNCTION docextract.wake_waiters() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_wake_waiters';

CREATE FUNCTION docextract.wait_for_job(job_id uuid, timeout interval DEFAULT '30 seconds')
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'docextract_wait_for_job';

CREATE FUNCTION docextract.claim_jobs(worker_name text, n integer DEFAULT 1)
RETURNS TABLE (job_id uuid, document_id uuid, claim_token uuid, file_format text,
               retry_count integer, lease_expires_at timestamptz, document_type text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lease interval := pg_catalog.current_setting('docextract.lease_duration')::interval;
    -- An in-server worker is watched by its process ID, an external one by its lease alone.
    pid   integer := CASE WHEN docextract.in_server_worker() THEN pg_catalog.pg_backend_pid() END;
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
    RETURN QUERY
    WITH next AS MATERIALIZED (
        SELECT j.id, pg_catalog.gen_random_uuid() AS token
          FROM docextract.extraction_jobs AS j
         WHERE j.status OPERATOR(pg_catalog.=) 'pending'
           AND j.run_after OPERATOR(pg_catalog.<=) pg_catalog.now()
         ORDER BY j.priority DESC, j.created_at
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
              d.document_type;
END
$$;

CREATE FUNCTION docextract.claim_digest(token uuid) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.sha256(pg_catalog.uuid_send(token)) $$;

CREATE FUNCTION docextract.claim_is_current(job_id uuid, claim_token uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM docextract.extraction_jobs AS j
                    WHERE j.id OPERATOR(pg_catalog.=) claim_is_current.job_id
                      AND j.claim_digest OPERATOR(pg_catalog.=)
                          docextract.claim_digest(claim_is_current.claim_token))
$$;

-- The document first, then the job: the order of cancel_job() and DELETE, which lock the
-- document and then its jobs. A worker API call that locks a job row (heartbeat, complete_job)
-- takes this key-share lock first, so that a later call in the same transaction cannot deadlock
-- with them. (Storing a result takes a key-share lock on the document anyway, for its foreign key.)
CREATE FUNCTION docextract.lock_document_of_job(job_id uuid) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT FROM docextract.documents AS d
      JOIN docextract.extraction_jobs AS j ON j.document_id OPERATOR(pg_catalog.=) d.id
     WHERE j.id OPERATOR(pg_catalog.=) lock_document_of_job.job_id
       FOR KEY SHARE OF d
$$;

CREATE FUNCTION docextract.heartbeat(job_id uuid, claim_token uuid,
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

CREATE FUNCTION docextract.raise_stale_claim(job_id uuid) RETURNS void
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

-- Summarises a helper result (docs/extract-json.md): how the text was obtained and how sure.
CREATE FUNCTION docextract.result_method(result jsonb) RETURNS text
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

CREATE FUNCTION docextract.result_confidence(result jsonb) RETURNS real
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

CREATE FUNCTION docextract.complete_job(job_id uuid, claim_token uuid, result jsonb)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_id pg_catalog.uuid;
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
    RETURNING j.document_id INTO doc_id;
    IF doc_id IS NULL THEN
        PERFORM docextract.raise_stale_claim(job_id);
    END IF;
    INSERT INTO docextract.extracted_data
           (job_id, document_id, data, text, overall_confidence, field_confidence, extraction_method)
    VALUES (job_id, doc_id, result OPERATOR(pg_catalog.-) 'text',
            result OPERATOR(pg_catalog.->>) 'text',
            docextract.result_confidence(result),
            coalesce(result OPERATOR(pg_catalog.->) 'field_confidence', '{}'),
            docextract.result_method(result));
    PERFORM docextract.wake_waiters();
    RETURN true;
END
$$;

CREATE FUNCTION docextract.retry_delay(retry_count integer) RETURNS interval
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

CREATE FUNCTION docextract.fail_job(job_id uuid, claim_token uuid, error text,
                                    retryable boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_status pg_catalog.text;
BEGIN
    UPDATE docextract.extraction_jobs AS j
       SET status = CASE WHEN retryable AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                         THEN 'pending' ELSE 'failed' END,
           retry_count = CASE WHEN retryable AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                              THEN j.retry_count OPERATOR(pg_catalog.+) 1
                              ELSE j.retry_count END,
           run_after = CASE WHEN retryable AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                            THEN pg_catalog.now() OPERATOR(pg_catalog.+)
                                 docextract.retry_delay(j.retry_count)
                            ELSE j.run_after END,
           completed_at = CASE WHEN retryable AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                               THEN NULL
                               ELSE GREATEST(pg_catalog.now(), j.started_at) END,
           processing_time_seconds =
               CASE WHEN retryable AND j.retry_count OPERATOR(pg_catalog.<) j.max_retries THEN NULL
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

-- Gives a job back without counting an attempt (the worker is shutting down).
CREATE FUNCTION docextract.release_job(job_id uuid, claim_token uuid) RETURNS void
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

-- Takes back the jobs whose holder is gone: an in-server worker that is no longer running (or
-- ran before the server restarted or reset after a crash), or any holder whose lease has
-- expired. The attempt counts, so a document that keeps killing its holder ends as failed.
CREATE FUNCTION docextract.reclaim_jobs() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
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
           SET status = CASE WHEN j.retry_count OPERATOR(pg_catalog.<) j.max_retries
                             THEN 'pending' ELSE 'failed' END,
               retry_count = LEAST(j.retry_count OPERATOR(pg_catalog.+) 1, j.max_retries),
               completed_at = CASE WHEN j.retry_count OPERATOR(pg_catalog.<) j.max_retries THEN NULL
                                   ELSE GREATEST(pg_catalog.now(), j.started_at) END,
               error_message = pg_catalog.format('holder %s stopped before finishing the job', j.holder),
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
    RETURN n;
END
$$;

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
       x.job_id IS NOT NULL AS has_results,
       -- A completed job that found no text at all says so, instead of looking like a success.
       x.extraction_method = 'none' AS no_text_found,
       coalesce(x.data->'warnings', '[]') AS result_warnings,
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
  JOIN docextract.documents AS d ON d.id = j.document_id
  LEFT JOIN LATERAL (SELECT e.job_id, e.extraction_method, e.data
                       FROM docextract.extracted_data AS e
                      WHERE e.job_id = j.id) AS x ON true;

------------------------------------------------------------------------------------------------
-- Structured fields (../shared/FIELDS.md, docs/fields.md). All security_invoker: row-level
-- security on the results applies to whoever queries them.
------------------------------------------------------------------------------------------------
-- The newest result of each document.
CREATE VIEW docextract.latest_results WITH (security_invoker = true) AS
SELECT DISTINCT ON (x.document_id)
       x.document_id, x.job_id, x.data, x.field_confidence, x.overall_confidence, x.created_at
  FROM docextract.extracted_data AS x
 ORDER BY x.document_id, x.created_at DESC, x.id;

-- One row per field of every result.
CREATE VIEW docextract.fields WITH (security_invoker = true) AS
SELECT x.document_id, x.job_id, f.key AS field, f.value,
       (x.field_confidence ->> f.key)::real AS confidence,
       (x.data -> 'field_details' -> f.key ->> 'page')::integer AS page,
       x.data -> 'field_details' -> f.key ->> 'source' AS source,
       x.data -> 'field_details' -> f.key -> 'checks' AS checks
  FROM docextract.extracted_data AS x,
       LATERAL pg_catalog.jsonb_each(coalesce(x.data -> 'fields', '{}')) AS f;

-- The newest fields of one document as one jsonb object.
CREATE FUNCTION docextract.document_fields(document_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.jsonb_build_object(
               'fields', coalesce(r.data OPERATOR(pg_catalog.->) 'fields', '{}'),
               'field_confidence', r.field_confidence,
               'field_details', coalesce(r.data OPERATOR(pg_catalog.->) 'field_details', '{}'),
               'detected_type', r.data OPERATOR(pg_catalog.->) 'detected_type',
               'detected_type_confidence', r.data OPERATOR(pg_catalog.->) 'detected_type_confidence',
               'overall_confidence', r.overall_confidence)
      FROM docextract.latest_results AS r
     WHERE r.document_id OPERATOR(pg_catalog.=) document_fields.document_id
$$;

-- Typed views over the newest result of documents declared or detected as invoices, and as
-- passports or identity documents. Values are normalised by the extractor (dates YYYY-MM-DD,
-- amounts as numbers), so the casts cannot fail on what it stores.
CREATE VIEW docextract.invoices WITH (security_invoker = true) AS
SELECT r.document_id, r.job_id,
       r.data -> 'fields' ->> 'invoice_number' AS invoice_number,
       (r.data -> 'fields' ->> 'invoice_date')::date AS invoice_date,
       (r.data -> 'fields' ->> 'due_date')::date AS due_date,
       r.data -> 'fields' ->> 'currency' AS currency,
       (r.data -> 'fields' ->> 'net_amount')::numeric AS net_amount,
       (r.data -> 'fields' ->> 'tax_amount')::numeric AS tax_amount,
       (r.data -> 'fields' ->> 'total_amount')::numeric AS total_amount,
       (r.data -> 'fields' ->> 'amount_due')::numeric AS amount_due,
       r.data -> 'fields' ->> 'vendor_name' AS vendor_name,
       r.data -> 'fields' ->> 'vendor_vat_id' AS vendor_vat_id,
       r.data -> 'fields' ->> 'customer_vat_id' AS customer_vat_id,
       r.data -> 'fields' ->> 'iban' AS iban,
       r.data -> 'fields' ->> 'bic' AS bic,
       r.data -> 'fields' ->> 'payment_reference' AS payment_reference,
       r.data -> 'fields' ->> 'purchase_order_number' AS purchase_order_number,
       r.data -> 'fields' -> 'line_items' AS line_items,
       r.field_confidence, r.overall_confidence
  FROM docextract.latest_results AS r
  JOIN docextract.documents AS d ON d.id = r.document_id
 WHERE d.document_type = 'invoice' OR r.data ->> 'detected_type' = 'invoice';

CREATE VIEW docextract.identity_documents WITH (security_invoker = true) AS
SELECT r.document_id, r.job_id,
       coalesce(r.data ->> 'detected_type', d.document_type) AS document_type,
       r.data -> 'fields' ->> 'document_code' AS document_code,
       r.data -> 'fields' ->> 'issuing_country' AS issuing_country,
       r.data -> 'fields' ->> 'document_number' AS document_number,
       r.data -> 'fields' ->> 'surname' AS surname,
       r.data -> 'fields' ->> 'given_names' AS given_names,
       r.data -> 'fields' ->> 'nationality' AS nationality,
       (r.data -> 'fields' ->> 'birth_date')::date AS birth_date,
       r.data -> 'fields' ->> 'sex' AS sex,
       (r.data -> 'fields' ->> 'expiry_date')::date AS expiry_date,
       r.data -> 'fields' ->> 'personal_number' AS personal_number,
       r.field_confidence, r.overall_confidence
  FROM docextract.latest_results AS r
  JOIN docextract.documents AS d ON d.id = r.document_id
 WHERE d.document_type IN ('passport', 'id_document')
    OR r.data ->> 'detected_type' IN ('passport', 'id_document');

------------------------------------------------------------------------------------------------
-- Monitoring
------------------------------------------------------------------------------------------------
CREATE FUNCTION docextract.worker_stats_all(
    OUT database oid, OUT state text, OUT workers integer, OUT idle_workers integer,
    OUT claimed bigint, OUT completed bigint, OUT failed bigint, OUT retried bigint,
    OUT reclaimed bigint, OUT helper_crashes bigint, OUT timeouts bigint, OUT cancelled bigint,
    OUT processing_ms bigint)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_worker_stats';

CREATE VIEW docextract.worker_stats AS
SELECT d.datname, s.state, s.workers, s.idle_workers, s.claimed, s.completed, s.failed,
       s.retried, s.reclaimed, s.helper_crashes, s.timeouts, s.cancelled,
       s.processing_ms / 1000.0 AS processing_seconds
  FROM docextract.worker_stats_all() AS s
  JOIN pg_catalog.pg_database AS d ON d.oid = s.database;

CREATE VIEW docextract.queue_stats WITH (security_invoker = true) AS
SELECT st.status,
       pg_catalog.count(j.id) AS jobs,
       pg_catalog.max(pg_catalog.now() - j.created_at) FILTER (WHERE j.status = 'pending') AS oldest_age,
       pg_catalog.count(j.id) FILTER (WHERE j.status = 'pending' AND j.run_after > pg_catalog.now()) AS waiting_for_retry
  FROM (VALUES ('pending'), ('processing'), ('completed'), ('failed'), ('cancelled')) AS st(status)
  LEFT JOIN docextract.extraction_jobs AS j ON j.status = st.status
 GROUP BY st.status;

CREATE FUNCTION docextract.metrics() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.string_agg(line, E'\n' ORDER BY ord) OPERATOR(pg_catalog.||) E'\n'
      FROM (
        SELECT 1 AS ord, '# HELP docextract_jobs Extraction jobs by status.' AS line
        UNION ALL SELECT 2, '# TYPE docextract_jobs gauge'
        UNION ALL SELECT 3, pg_catalog.format('docextract_jobs{status="%s"} %s', q.status, q.jobs)
          FROM docextract.queue_stats AS q
        UNION ALL SELECT 4, '# HELP docextract_oldest_pending_seconds Age of the oldest pending job.'
        UNION ALL SELECT 5, '# TYPE docextract_oldest_pending_seconds gauge'
        UNION ALL SELECT 6, pg_catalog.format('docextract_oldest_pending_seconds %s',
                   coalesce(EXTRACT(epoch FROM q.oldest_age), 0))
          FROM docextract.queue_stats AS q WHERE q.status OPERATOR(pg_catalog.=) 'pending'
        UNION ALL SELECT 7, '# HELP docextract_worker_events_total Worker events since server start.'
        UNION ALL SELECT 8, '# TYPE docextract_worker_events_total counter'
        UNION ALL SELECT 9, pg_catalog.format('docextract_worker_events_total{database="%s",event="%s"} %s',
                   w.datname, e.event, e.n)
          FROM docextract.worker_stats AS w,
               LATERAL (VALUES ('claimed', w.claimed), ('completed', w.completed),
                               ('failed', w.failed), ('retried', w.retried),
                               ('reclaimed', w.reclaimed), ('helper_crash', w.helper_crashes),
                               ('timeout', w.timeouts), ('cancelled', w.cancelled)) AS e(event, n)
        UNION ALL SELECT 10, '# HELP docextract_processing_seconds_total Time spent extracting.'
        UNION ALL SELECT 11, '# TYPE docextract_processing_seconds_total counter'
        UNION ALL SELECT 12, pg_catalog.format('docextract_processing_seconds_total{database="%s"} %s',
                   w.datname, w.processing_seconds)
          FROM docextract.worker_stats AS w
        UNION ALL SELECT 13, '# HELP docextract_workers Running workers.'
        UNION ALL SELECT 14, '# TYPE docextract_workers gauge'
        UNION ALL SELECT 15, pg_catalog.format('docextract_workers{database="%s"} %s', w.datname, w.workers)
          FROM docextract.worker_stats AS w
      ) AS m
$$;

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

-- EXISTS, not IN: a policy's subquery stays a subplan, and IN would hash every document of the
-- user for each query, where EXISTS probes the primary key of the one document concerned.
CREATE POLICY contents_owner ON docextract.document_contents TO docextract_user
    USING (EXISTS (SELECT FROM docextract.documents AS d WHERE d.id = document_id));
CREATE POLICY contents_admin ON docextract.document_contents TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY contents_worker ON docextract.document_contents FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY jobs_owner ON docextract.extraction_jobs TO docextract_user
    USING (EXISTS (SELECT FROM docextract.documents AS d WHERE d.id = document_id));
CREATE POLICY jobs_admin ON docextract.extraction_jobs TO docextract_admin
    USING (true) WITH CHECK (true);
CREATE POLICY jobs_worker ON docextract.extraction_jobs FOR SELECT TO docextract_worker
    USING (true);

CREATE POLICY data_owner ON docextract.extracted_data TO docextract_user
    USING (EXISTS (SELECT FROM docextract.documents AS d WHERE d.id = document_id));
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
GRANT SELECT ON docextract.document_overview, docextract.job_overview, docextract.latest_results,
                docextract.fields, docextract.invoices, docextract.identity_documents
  TO docextract_user;

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
GRANT EXECUTE ON FUNCTION docextract.wait_for_job(uuid, interval) TO docextract_user;
GRANT EXECUTE ON FUNCTION docextract.document_fields(uuid) TO docextract_user;
GRANT EXECUTE ON FUNCTION
    docextract.detect_mime(bytea),
    docextract.validate_file(text, bytea),
    docextract.claim_jobs(text, integer),
    docextract.heartbeat(uuid, uuid, integer, integer),
    docextract.claim_is_current(uuid, uuid),
    docextract.complete_job(uuid, uuid, jsonb),
    docextract.fail_job(uuid, uuid, text, boolean),
    docextract.release_job(uuid, uuid),
    docextract.reclaim_jobs(),
    docextract.wait_for_job(uuid, interval)
  TO docextract_worker;
GRANT SELECT ON docextract.queue_stats TO docextract_user, docextract_worker;
GRANT SELECT ON docextract.worker_stats TO docextract_admin, docextract_worker;
GRANT EXECUTE ON FUNCTION docextract.worker_stats_all(), docextract.metrics()
  TO docextract_admin, docextract_worker;

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
COMMENT ON COLUMN docextract.extraction_jobs.claim_digest IS 'Lease: SHA-256 of the current claim token. Only the claimant knows the token; a call with an older or unknown token changes nothing.';
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
COMMENT ON FUNCTION docextract.check_actor(name) IS 'Refuses to act for a role the session user is not a member of, and for roles that cannot own documents (no LOGIN, not a member of docextract_user, or one of the extension''s own roles).';
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
    'Jobs with their document''s file name, whether results exist, whether the extraction found no text at all (no_text_found), the helper''s warnings, and progress in percent (0 pending, pages done while processing, 100 completed or failed).';
COMMENT ON VIEW docextract.latest_results IS 'The newest extraction result of each document.';
COMMENT ON VIEW docextract.fields IS 'One row per structured field of every result: value, confidence (0 to 1), page, source (text, ocr, qr, pdf417, barcode, mrz or xml) and the checks that passed.';
COMMENT ON FUNCTION docextract.document_fields(uuid) IS 'The newest structured fields of a document as one jsonb object: fields, field_confidence, field_details, detected_type and overall_confidence.';
COMMENT ON VIEW docextract.invoices IS 'Invoice fields of the newest result of documents declared or detected as invoices, typed (dates, numeric amounts).';
COMMENT ON VIEW docextract.identity_documents IS 'Passport and identity card fields (from the MRZ) of the newest result of documents declared or detected as such, typed.';
COMMENT ON FUNCTION docextract.in_server_worker() IS 'Whether the caller is one of docextract''s own background workers.';
COMMENT ON FUNCTION docextract.hide_statement() IS 'Marks the statement as carrying document bytes: until the transaction ends, an error is logged without the statement text.';
COMMENT ON FUNCTION docextract.wake_workers() IS 'Wakes an idle worker of this database when the transaction commits (and the launcher, if the database has no workers yet).';
COMMENT ON FUNCTION docextract.workers_epoch() IS 'When the server last started or reset after a crash: in-server workers that claimed a job before then are gone.';
COMMENT ON FUNCTION docextract.wake_waiters() IS 'Called when a job ends: once the transaction commits, wakes the sessions waiting in wait_for_job() in this database and has a worker send a NOTIFY docextract_jobs (without payload) in a transaction of its own.';
COMMENT ON FUNCTION docextract.wait_for_job(uuid, interval) IS
    'Waits, without polling the table in a loop, until the job is completed, failed or cancelled, or the timeout passes; returns the status last seen.';
COMMENT ON FUNCTION docextract.claim_jobs(text, integer) IS
    'Worker API: claims up to n runnable pending jobs (priority, then age) with FOR UPDATE SKIP LOCKED and returns them with their claim tokens.';
COMMENT ON FUNCTION docextract.heartbeat(uuid, uuid, integer, integer) IS
    'Worker API: extends the lease of a claimed job and records its page progress; raises if the claim is stale.';
COMMENT ON FUNCTION docextract.claim_digest(uuid) IS 'SHA-256 of a claim token, as stored in extraction_jobs.claim_digest.';
COMMENT ON FUNCTION docextract.claim_is_current(uuid, uuid) IS 'Worker API: whether the claim token is still the job''s current one (false once the job was cancelled, reclaimed or finished).';
COMMENT ON FUNCTION docextract.lock_document_of_job(uuid) IS 'Takes a key-share lock on the document of a job, before the job''s row is locked: the lock order of cancel_job() and DELETE.';
COMMENT ON FUNCTION docextract.raise_stale_claim(uuid) IS 'Raises the error for a claim token that is no longer the job''s.';
COMMENT ON FUNCTION docextract.result_method(jsonb) IS 'native, ocr, mixed or none, from the pages of a helper result.';
COMMENT ON FUNCTION docextract.result_confidence(jsonb) IS 'Mean page confidence (0 to 1) of a helper result: 1 for native text, the OCR confidence otherwise.';
COMMENT ON FUNCTION docextract.complete_job(uuid, uuid, jsonb) IS
    'Worker API: stores the result (the helper''s JSON document) and completes the job; raises if the claim is stale.';
COMMENT ON FUNCTION docextract.retry_delay(integer) IS 'Backoff before the next attempt: retry_backoff_base * 2^retry_count, capped at retry_backoff_max, with jitter.';
COMMENT ON FUNCTION docextract.fail_job(uuid, uuid, text, boolean) IS
    'Worker API: records a failed attempt; the job is retried after a backoff while retries remain and the error is retryable, else it fails. Returns the new status.';
COMMENT ON FUNCTION docextract.release_job(uuid, uuid) IS 'Worker API: gives a claimed job back to the queue without counting an attempt.';
COMMENT ON FUNCTION docextract.reclaim_jobs() IS
    'Takes back jobs whose in-server worker has stopped or whose lease has expired; returns how many.';
COMMENT ON FUNCTION docextract.worker_stats_all() IS 'Shared-memory state and counters of the workers of every database.';
COMMENT ON VIEW docextract.worker_stats IS 'Workers and their counters per database, since the server started.';
COMMENT ON VIEW docextract.queue_stats IS 'Jobs per status, the age of the oldest pending job, and the jobs waiting for a retry.';
COMMENT ON FUNCTION docextract.metrics() IS 'Queue and worker metrics in the Prometheus text exposition format.';

-- Start the workers of this database once the extension is committed.
SELECT docextract.wake_workers();
