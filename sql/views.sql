-- document_overview and job_overview: the seed's computed fields, without N+1 or byte reads.
SET ROLE regress_alice;
SELECT docextract.upload('view.pdf', fixture.doc('pdf', 3 * 1048576, 'view')) AS doc \gset
SELECT id AS job1 FROM docextract.extraction_jobs WHERE document_id = :'doc' \gset
SELECT docextract.cancel_job(:'job1');
SELECT docextract.enqueue(:'doc') AS job2 \gset

SELECT original_filename, file_size_mb, extraction_jobs_count,
       latest_extraction_job = :'job2' AS latest_is_job2, latest_job_status
  FROM docextract.document_overview WHERE id = :'doc';
SELECT document_filename, status, has_results, progress_percentage
  FROM docextract.job_overview WHERE document_id = :'doc' ORDER BY created_at, status;
RESET ROLE;

-- Progress follows the job's state and its pages.
UPDATE docextract.extraction_jobs
   SET status = 'processing', started_at = now(), holder = 'regress', claim_digest = docextract.claim_digest(gen_random_uuid()),
       lease_expires_at = now() + interval '1 minute', pages_total = 8, pages_done = 2
 WHERE id = :'job2';
SELECT progress_percentage FROM docextract.job_overview WHERE id = :'job2';
UPDATE docextract.extraction_jobs SET pages_total = NULL, pages_done = NULL WHERE id = :'job2';
SELECT progress_percentage FROM docextract.job_overview WHERE id = :'job2';
UPDATE docextract.extraction_jobs
   SET status = 'completed', completed_at = now(), processing_time_seconds = 0.5,
       holder = NULL, claim_digest = NULL, lease_expires_at = NULL
 WHERE id = :'job2';
INSERT INTO docextract.extracted_data (job_id, document_id, text, overall_confidence, extraction_method)
VALUES (:'job2', :'doc', 'hello', 1, 'native');
SELECT status, has_results, no_text_found, result_warnings, progress_percentage
  FROM docextract.job_overview WHERE id = :'job2';
-- A result without any text is visible as such, with the helper's warnings.
UPDATE docextract.extracted_data
   SET extraction_method = 'none', text = '',
       data = '{"warnings": ["no page has any text: the document may be blank or a picture"]}'
 WHERE job_id = :'job2';
SELECT no_text_found, result_warnings FROM docextract.job_overview WHERE id = :'job2';

-- Structured fields: one row each, one jsonb per document, and the typed invoice view.
UPDATE docextract.extracted_data
   SET data = '{"fields": {"invoice_number": "2024-0815", "invoice_date": "2024-03-14",
                           "total_amount": 1190.00, "currency": "EUR", "iban": "DE89370400440532013000"},
                "field_details": {"invoice_number": {"page": 1, "source": "text", "checks": []},
                                  "total_amount": {"page": 1, "source": "text", "checks": ["totals_net_tax"]},
                                  "iban": {"page": 1, "source": "qr", "checks": ["iban_mod97"]}},
                "detected_type": "invoice", "detected_type_confidence": 0.9}',
       field_confidence = '{"invoice_number": 0.8, "invoice_date": 0.8, "total_amount": 0.95,
                            "currency": 0.9, "iban": 1.0}'
 WHERE job_id = :'job2';
SELECT field, value, confidence, page, source, checks FROM docextract.fields
 WHERE job_id = :'job2' ORDER BY field;
SELECT invoice_number, invoice_date, total_amount, currency, iban, due_date
  FROM docextract.invoices WHERE job_id = :'job2';
SELECT jsonb_pretty(docextract.document_fields(:'doc') - 'overall_confidence');
SELECT count(*) AS identity_rows FROM docextract.identity_documents;

-- The plans: one index probe per listed document, and document_contents is never read. The
-- tables are tiny here, so sequential scans are disabled to show the plan a large table gets.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT * FROM docextract.document_overview WHERE owner = 'regress_alice'
 ORDER BY uploaded_at DESC LIMIT 20;
EXPLAIN (COSTS OFF)
SELECT * FROM docextract.job_overview WHERE id = '00000000-0000-0000-0000-000000000001';
RESET enable_seqscan;
