-- Row-level security. Users see and change only what they own; admins see everything; workers
-- read documents and contents to extract them. Jobs and results follow their document.
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

-- Jobs carry their document's owner (kept in step by triggers): no subquery.
CREATE POLICY jobs_owner ON docextract.extraction_jobs TO docextract_user
    USING (owner = CURRENT_USER);

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

-- Privileges. Nothing is granted to PUBLIC. Users read their rows, edit the descriptive columns
-- and delete their documents; everything else goes through the functions above.
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
    docextract.refresh_fields(uuid, integer),
    docextract.refresh_fields_as(name, uuid, integer),
    docextract.refresh_all_fields(boolean, integer),
    docextract.refresh_all_fields_as(name, boolean, integer)
  TO docextract_user;

GRANT EXECUTE ON FUNCTION docextract.fields_version(), docextract.fields_outdated(jsonb)
  TO docextract_user, docextract_worker;

GRANT EXECUTE ON FUNCTION
    docextract.detect_mime(bytea),
    docextract.validate_file(text, bytea),
    docextract.claim_jobs(text, integer),
    docextract.heartbeat(uuid, uuid, integer, integer),
    docextract.claim_is_current(uuid, uuid),
    docextract.complete_job(uuid, uuid, jsonb),
    docextract.complete_jobs(uuid[], uuid[], jsonb[]),
    docextract.refresh_source(uuid, uuid),
    docextract.fail_job(uuid, uuid, text, boolean),
    docextract.release_job(uuid, uuid),
    docextract.reclaim_jobs(),
    docextract.wait_for_job(uuid, interval)
  TO docextract_worker;

GRANT EXECUTE ON FUNCTION docextract.prune(integer) TO docextract_worker, docextract_admin;

GRANT SELECT ON docextract.queue_stats TO docextract_user, docextract_worker;

GRANT SELECT ON docextract.worker_stats TO docextract_admin, docextract_worker;

GRANT EXECUTE ON FUNCTION docextract.worker_stats_all(), docextract.metrics(),
    docextract.prometheus_label(text)
  TO docextract_admin, docextract_worker;
