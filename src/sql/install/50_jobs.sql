-- Managing jobs: enqueue, cancel, retry.

-- Locks the document and checks that actor may manage it. Returns the owner.
CREATE OR REPLACE FUNCTION docextract.lock_document_for(actor name, doc_id uuid) RETURNS name
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
COMMENT ON FUNCTION docextract.lock_document_for(name, uuid) IS 'Locks a document the role may manage, or reports it as absent.';

CREATE OR REPLACE FUNCTION docextract.lock_job_for(actor name, job_id uuid) RETURNS docextract.extraction_jobs
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
COMMENT ON FUNCTION docextract.lock_job_for(name, uuid) IS 'Locks a job whose document the role may manage, or reports it as absent.';

-- Users choose priorities only within the administrator's range: a higher priority goes before
-- every other owner's jobs, whatever the turns (enqueue(), refresh_fields()).
CREATE OR REPLACE FUNCTION docextract.check_priority(actor name, priority integer) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF priority IS NULL
       OR priority OPERATOR(pg_catalog.<) -1000 OR priority OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'priority must be between -1000 and 1000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (priority OPERATOR(pg_catalog.<)
            pg_catalog.current_setting('docextract.user_priority_min')::integer
        OR priority OPERATOR(pg_catalog.>)
            pg_catalog.current_setting('docextract.user_priority_max')::integer)
       AND NOT docextract.is_admin(actor) THEN
        RAISE EXCEPTION 'priority % is outside the range allowed to users', priority
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Users may choose priorities from %s to %s; members of docextract_admin from -1000 to 1000.',
                                             pg_catalog.current_setting('docextract.user_priority_min'),
                                             pg_catalog.current_setting('docextract.user_priority_max')),
                  HINT = 'The range is set by docextract.user_priority_min and docextract.user_priority_max.';
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.check_priority(name, integer) IS 'Refuses a job priority outside -1000..1000, or outside docextract.user_priority_min..max for a role that is not an admin.';

-- Queues a job of either kind for a document the actor may manage: the checks and the refusals
-- that enqueue() and refresh_fields() share. One active job per document, whatever its kind.
CREATE OR REPLACE FUNCTION docextract.queue_job_as(actor name, document_id uuid, priority integer,
                                                   kind text)
RETURNS uuid
LANGUAGE plpgsql
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
    PERFORM docextract.check_priority(actor, priority);
    PERFORM docextract.lock_document_for(actor, queue_job_as.document_id);

    SELECT j.* INTO active FROM docextract.extraction_jobs AS j
     WHERE j.document_id OPERATOR(pg_catalog.=) queue_job_as.document_id
       AND j.status OPERATOR(pg_catalog.=) ANY ('{pending,processing}'::pg_catalog.text[]);
    IF FOUND THEN
        RAISE EXCEPTION 'document % already has an active job', queue_job_as.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s (%s) is %s.', active.id, active.kind, active.status),
                  HINT = 'Wait for it with docextract.wait_for_job(), or cancel it with docextract.cancel_job().';
    END IF;
    IF kind OPERATOR(pg_catalog.=) 'refresh_fields'
       AND NOT EXISTS (SELECT FROM docextract.extracted_data AS x
                        WHERE x.document_id OPERATOR(pg_catalog.=) queue_job_as.document_id) THEN
        RAISE EXCEPTION 'document % has no extraction result to refresh fields from', queue_job_as.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Extract it with docextract.enqueue(); its fields come with the result.';
    END IF;

    INSERT INTO docextract.extraction_jobs (document_id, priority, kind)
    VALUES (queue_job_as.document_id, queue_job_as.priority, queue_job_as.kind)
    RETURNING id INTO new_id;
    PERFORM docextract.wake_workers();
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION docextract.queue_job_as(name, uuid, integer, text) IS 'Queues a job of a kind (extract or refresh_fields) for a document the role may manage; refuses a second active job (55000) and a refresh without a stored result (55000).';

CREATE OR REPLACE FUNCTION docextract.enqueue_as(actor name, document_id uuid, priority integer DEFAULT 0)
RETURNS uuid
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.queue_job_as(actor, document_id, priority, 'extract') $$;
COMMENT ON FUNCTION docextract.enqueue_as(name, uuid, integer) IS 'enqueue() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.enqueue(document_id uuid, priority integer DEFAULT 0) RETURNS uuid
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.enqueue_as(CURRENT_USER, document_id, priority) $$;
COMMENT ON FUNCTION docextract.enqueue(uuid, integer) IS
    'Queues a new extraction of a document; refused while the document has a pending or processing job. Returns the job id.';

CREATE OR REPLACE FUNCTION docextract.cancel_job_as(actor name, job_id uuid) RETURNS text
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
COMMENT ON FUNCTION docextract.cancel_job_as(name, uuid) IS 'cancel_job() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.cancel_job(job_id uuid) RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.cancel_job_as(CURRENT_USER, job_id) $$;
COMMENT ON FUNCTION docextract.cancel_job(uuid) IS 'Cancels a pending or processing job.';

CREATE OR REPLACE FUNCTION docextract.retry_job_as(actor name, job_id uuid) RETURNS text
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
        RAISE EXCEPTION 'document % already has an active job', job.document_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Job %s is active.', active);
    END IF;
    UPDATE docextract.extraction_jobs AS j
       SET status = 'pending', retry_count = 0, lease_expirations = 0, run_after = pg_catalog.now(),
           fair_rank = docextract.next_fair_rank(j.owner, j.priority),
           started_at = NULL, completed_at = NULL, error_message = NULL,
           processing_time_seconds = NULL, pages_done = NULL, pages_total = NULL
     WHERE j.id OPERATOR(pg_catalog.=) job_id;
    PERFORM docextract.wake_workers();
    RETURN 'pending';
END
$$;
COMMENT ON FUNCTION docextract.retry_job_as(name, uuid) IS 'retry_job() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.retry_job(job_id uuid) RETURNS text
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.retry_job_as(CURRENT_USER, job_id) $$;
COMMENT ON FUNCTION docextract.retry_job(uuid) IS 'Puts a failed or cancelled job back in the queue, with its retry count reset.';
