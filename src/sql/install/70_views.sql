-- Views. security_invoker makes row-level security apply to whoever queries the view. Counts and
-- the latest job come from one index probe per listed document (job_doc_created_idx), never from
-- aggregating every job, and no view reads document bytes.
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
COMMENT ON VIEW docextract.document_overview IS
    'Documents with their size in MiB, number of extraction jobs and latest job; never reads the bytes.';

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
COMMENT ON VIEW docextract.job_overview IS
    'Jobs with their document''s file name, whether results exist, whether the extraction found no text at all (no_text_found), the helper''s warnings, and progress in percent (0 pending, pages done while processing, 100 completed or failed).';
