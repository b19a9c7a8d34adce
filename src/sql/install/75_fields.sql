-- Structured fields (../shared/FIELDS.md, docs/fields.md). All security_invoker: row-level
-- security on the results applies to whoever queries them.
-- The newest result of each document.
CREATE VIEW docextract.latest_results WITH (security_invoker = true) AS
SELECT DISTINCT ON (x.document_id)
       x.document_id, x.job_id, x.data, x.field_confidence, x.overall_confidence, x.created_at
  FROM docextract.extracted_data AS x
 ORDER BY x.document_id, x.created_at DESC, x.id;
COMMENT ON VIEW docextract.latest_results IS 'The newest extraction result of each document.';

-- One row per field of every result.
CREATE VIEW docextract.fields WITH (security_invoker = true) AS
SELECT x.document_id, x.job_id, f.key AS field, f.value,
       (x.field_confidence ->> f.key)::real AS confidence,
       (x.data -> 'field_details' -> f.key ->> 'page')::integer AS page,
       x.data -> 'field_details' -> f.key ->> 'source' AS source,
       x.data -> 'field_details' -> f.key -> 'checks' AS checks
  FROM docextract.extracted_data AS x,
       LATERAL pg_catalog.jsonb_each(coalesce(x.data -> 'fields', '{}')) AS f;
COMMENT ON VIEW docextract.fields IS 'One row per structured field of every result: value, confidence (0 to 1), page, source (text, ocr, qr, pdf417, barcode, mrz or xml) and the checks that passed.';

-- The newest fields of one document as one jsonb object.
CREATE OR REPLACE FUNCTION docextract.document_fields(document_id uuid) RETURNS jsonb
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
COMMENT ON FUNCTION docextract.document_fields(uuid) IS 'The newest structured fields of a document as one jsonb object: fields, field_confidence, field_details, detected_type and overall_confidence.';

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
COMMENT ON VIEW docextract.invoices IS 'Invoice fields of the newest result of documents declared or detected as invoices, typed (dates, numeric amounts).';

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
COMMENT ON VIEW docextract.identity_documents IS 'Passport and identity card fields (from the MRZ) of the newest result of documents declared or detected as such, typed.';

-- Refreshing fields (docs/fields.md "Refreshing fields"): a refresh_fields job re-runs the field
-- extractors of the worker's helper on a document's newest stored result, without reading the
-- document again. It goes through the queue like an extraction (any worker, the same retries),
-- and its completion stores a new result row (result_row()).
CREATE OR REPLACE FUNCTION docextract.fields_version() RETURNS integer
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_fields_version';
COMMENT ON FUNCTION docextract.fields_version() IS 'The version of the field extractors of the server''s docextract library; results record theirs in data->''fields_version'' (none before 1.1).';

-- Whether a stored result's fields come from older extractors than the server's (or from none
-- that recorded a version).
CREATE OR REPLACE FUNCTION docextract.fields_outdated(data jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof(data OPERATOR(pg_catalog.->) 'fields_version')
                     OPERATOR(pg_catalog.=) 'number'
                THEN (data OPERATOR(pg_catalog.->>) 'fields_version')::numeric
                     OPERATOR(pg_catalog.<) docextract.fields_version()
                ELSE true END
$$;
COMMENT ON FUNCTION docextract.fields_outdated(jsonb) IS 'Whether a result''s fields were made by field extractors older than fields_version() (true when it records no version).';

CREATE OR REPLACE FUNCTION docextract.refresh_fields_as(actor name, document_id uuid, priority integer DEFAULT 0)
RETURNS uuid
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.queue_job_as(actor, document_id, priority, 'refresh_fields') $$;
COMMENT ON FUNCTION docextract.refresh_fields_as(name, uuid, integer) IS 'refresh_fields() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.refresh_fields(document_id uuid, priority integer DEFAULT 0) RETURNS uuid
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.refresh_fields_as(CURRENT_USER, document_id, priority) $$;
COMMENT ON FUNCTION docextract.refresh_fields(uuid, integer) IS
    'Queues a refresh_fields job: the field extractors re-run on the document''s newest stored result, without OCR; its completion stores a new result. Returns the job id. Refused (55000) for a document without a result or with an active job.';

-- Documents already locked by someone (being deleted, or given a job right now) are skipped, and
-- so is a document that got an active job meanwhile (the unique index): what is returned is
-- exactly what was queued. One INSERT per document, so each job gets its owner's next turn.
CREATE OR REPLACE FUNCTION docextract.refresh_all_fields_as(actor name, outdated_only boolean DEFAULT true,
                                                priority integer DEFAULT -1)
RETURNS TABLE (document_id uuid, job_id uuid)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    admin  boolean;
    doc    pg_catalog.uuid;
    new_id pg_catalog.uuid;
BEGIN
    PERFORM docextract.check_actor(actor);
    IF outdated_only IS NULL THEN
        RAISE EXCEPTION 'outdated_only must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM docextract.check_priority(actor, priority);
    admin := docextract.is_admin(actor);
    FOR doc IN
        SELECT d.id FROM docextract.documents AS d
         WHERE (admin OR d.owner OPERATOR(pg_catalog.=) actor)
           AND EXISTS (SELECT FROM docextract.extracted_data AS x
                        WHERE x.document_id OPERATOR(pg_catalog.=) d.id)
           AND (NOT outdated_only OR docextract.fields_outdated((docextract.newest_result(d.id)).data))
           AND NOT EXISTS (SELECT FROM docextract.extraction_jobs AS j
                            WHERE j.document_id OPERATOR(pg_catalog.=) d.id
                              AND j.status OPERATOR(pg_catalog.=) ANY ('{pending,processing}'::pg_catalog.text[]))
         ORDER BY d.uploaded_at, d.id
           FOR KEY SHARE OF d SKIP LOCKED
    LOOP
        new_id := NULL;
        INSERT INTO docextract.extraction_jobs (document_id, priority, kind)
        VALUES (doc, refresh_all_fields_as.priority, 'refresh_fields')
        ON CONFLICT DO NOTHING
        RETURNING id INTO new_id;
        IF new_id IS NOT NULL THEN
            document_id := doc;
            job_id := new_id;
            RETURN NEXT;
        END IF;
    END LOOP;
    IF FOUND THEN
        PERFORM docextract.wake_workers();
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.refresh_all_fields_as(name, boolean, integer) IS 'refresh_all_fields() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.refresh_all_fields(outdated_only boolean DEFAULT true,
                                             priority integer DEFAULT -1)
RETURNS TABLE (document_id uuid, job_id uuid)
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM docextract.refresh_all_fields_as(CURRENT_USER, outdated_only, priority) $$;
COMMENT ON FUNCTION docextract.refresh_all_fields(boolean, integer) IS
    'Queues refresh_fields jobs for the caller''s documents (an admin''s: every document) that have a stored result and no active job; with outdated_only (the default), only those whose newest result''s fields come from older extractors than fields_version(). Priority -1 by default, behind new uploads. Returns the documents and jobs queued.';
