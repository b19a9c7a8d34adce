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
