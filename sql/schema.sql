-- The install script: objects, constraints, storage, row-level security, dump registration,
-- comments. Also creates the "fixture" helpers the later test files use.
-- First of all, the server's background workers stay off this database (they would claim the
-- jobs the tests look at, on a live server): sessions that connect from now on, the later test
-- files among them, may claim as external workers.
SELECT current_database() AS regress_db \gset
ALTER DATABASE :"regress_db" SET docextract.workers = external;
CREATE EXTENSION docextract;

CREATE SCHEMA fixture;
-- Smallest byte strings that libmagic and the signature checks accept for each format, padded
-- with a salt (so each call can get distinct bytes) and zeros to the requested size.
CREATE FUNCTION fixture.doc(format text, size int DEFAULT 200, salt text DEFAULT '')
RETURNS bytea LANGUAGE sql AS $$
  SELECT head || convert_to(salt, 'UTF8')
         || decode(repeat('00', greatest(size - length(head) - octet_length(salt), 0)), 'hex')
  FROM (SELECT CASE format
    WHEN 'pdf'  THEN '\x255044462d312e340a'::bytea
    WHEN 'png'  THEN '\x89504e470d0a1a0a0000000d494844520000001000000010080200000000'::bytea
    WHEN 'jpg'  THEN '\xffd8ffe000104a46494600010100000100010000'::bytea
    WHEN 'tiff' THEN '\x49492a0008000000'::bytea
    WHEN 'bmp'  THEN '\x424dc80000000000000036000000280000000400000004000000010018000000000000000000130b0000130b00000000000000000000'::bytea
    WHEN 'webp' THEN '\x52494646c00000005745425056503820640000'::bytea
  END AS head) AS h
$$;
-- Runs a statement; returns 'ok' or the SQLSTATE and message (and detail and hint), with uuids
-- masked so that the output is stable.
CREATE FUNCTION fixture.try(stmt text, details boolean DEFAULT true) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hnt text; out text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  out := st || ' ' || msg;
  IF details THEN
    out := out || coalesce(E'\nDETAIL: ' || nullif(det, ''), '')
               || coalesce(E'\nHINT: ' || nullif(hnt, ''), '');
  END IF;
  RETURN regexp_replace(out, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
                        '<uuid>', 'g');
END
$$;
GRANT USAGE ON SCHEMA fixture TO PUBLIC;

-- Objects of the extension.
SELECT pg_describe_object(classid, objid, 0) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'docextract')
 ORDER BY 1;

-- Every table, view, column group and function has a comment.
SELECT c.oid::regclass AS uncommented_relation
  FROM pg_class c
 WHERE c.relnamespace = 'docextract'::regnamespace AND c.relkind IN ('r', 'v')
   AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT p.oid::regprocedure AS uncommented_function
  FROM pg_proc p
 WHERE p.pronamespace = 'docextract'::regnamespace
   AND obj_description(p.oid, 'pg_proc') IS NULL;

-- The seed's indexes and constraints, under the seed's names, and the queue's own.
SELECT indexrelid::regclass AS index, indisunique AS uniq, pg_get_expr(indpred, indrelid) AS partial
  FROM pg_index
 WHERE indrelid IN ('docextract.documents'::regclass, 'docextract.extraction_jobs'::regclass,
                    'docextract.extracted_data'::regclass, 'docextract.document_contents'::regclass)
 ORDER BY indexrelid::regclass::text;
SELECT conrelid::regclass AS tbl, conname, contype
  FROM pg_constraint
 WHERE connamespace = 'docextract'::regnamespace
 ORDER BY conrelid::regclass::text, conname;

-- Storage and queue settings.
SELECT attname, attstorage FROM pg_attribute
 WHERE attrelid = 'docextract.document_contents'::regclass AND attname = 'content';
SELECT relname, reloptions FROM pg_class
 WHERE oid = 'docextract.extraction_jobs'::regclass;
SELECT relname, relrowsecurity FROM pg_class
 WHERE relnamespace = 'docextract'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'docextract';
SELECT extrelocatable, extversion FROM pg_extension WHERE extname = 'docextract';

-- Roles exist and nothing is granted to PUBLIC.
SELECT rolname, rolcanlogin FROM pg_roles
 WHERE rolname IN ('docextract_user', 'docextract_worker', 'docextract_admin') ORDER BY 1;
SELECT p.oid::regprocedure AS public_function
  FROM pg_proc p
 WHERE p.pronamespace = 'docextract'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE');

-- The constraints reject bad rows, naming the constraint.
\set doc_cols 'owner, original_filename, file_size, file_format, mime_type, sha256'
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'a.pdf', 0, 'pdf', 'application/pdf', sha256('a'))$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'a.exe', 10, 'exe', 'application/pdf', sha256('a'))$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'a.pdf', 10, 'pdf', 'image/png', sha256('a'))$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'a.pdf', 10, 'pdf', 'text/html', sha256('a'))$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256, document_type)
                     VALUES ('x', 'a.pdf', 10, 'pdf', 'application/pdf', sha256('a'), 'love_letter')$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'a.pdf', 10, 'pdf', 'application/pdf', '\x00')$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', 'dir/a.pdf', 10, 'pdf', 'application/pdf', sha256('a'))$$, false);
SELECT fixture.try($$INSERT INTO docextract.documents (owner, original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('x', repeat('a', 252) || '.pdf', 10, 'pdf', 'application/pdf', sha256('a'))$$, false);

-- A valid row, then content that does not match it, then content that does.
INSERT INTO docextract.documents (id, owner, original_filename, file_size, file_format, mime_type, sha256)
VALUES ('00000000-0000-0000-0000-000000000001', 'x', 'a.pdf', 200, 'pdf', 'application/pdf',
        sha256(fixture.doc('pdf')));
SELECT fixture.try($$INSERT INTO docextract.document_contents VALUES
                     ('00000000-0000-0000-0000-000000000001', fixture.doc('pdf', 201))$$);
SELECT fixture.try($$INSERT INTO docextract.document_contents VALUES
                     ('00000000-0000-0000-0000-000000000001', fixture.doc('pdf', 200, 'other'))$$);
SELECT fixture.try($$INSERT INTO docextract.document_contents VALUES
                     ('00000000-0000-0000-0000-000000000001', fixture.doc('pdf'))$$);
SELECT fixture.try($$UPDATE docextract.document_contents SET content = fixture.doc('pdf', 200, 'x')$$);
SELECT fixture.try($$UPDATE docextract.documents SET file_size = 201$$);
SELECT fixture.try($$UPDATE docextract.documents SET description = 'fine'$$);
SELECT updated_at > uploaded_at AS touched FROM docextract.documents;

-- Jobs.
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, status)
                     VALUES ('00000000-0000-0000-0000-000000000001', 'sleeping')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, retry_count)
                     VALUES ('00000000-0000-0000-0000-000000000001', -1)$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, retry_count, max_retries)
                     VALUES ('00000000-0000-0000-0000-000000000001', 4, 3)$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, status, completed_at, processing_time_seconds)
                     VALUES ('00000000-0000-0000-0000-000000000001', 'completed', now(), 0)$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, status, started_at, completed_at)
                     VALUES ('00000000-0000-0000-0000-000000000001', 'failed', now(), now() - interval '1 s')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, status)
                     VALUES ('00000000-0000-0000-0000-000000000001', 'completed')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, status)
                     VALUES ('00000000-0000-0000-0000-000000000001', 'processing')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id, pages_done, pages_total)
                     VALUES ('00000000-0000-0000-0000-000000000001', 5, 4)$$, false);
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id)
                     VALUES ('00000000-0000-0000-0000-000000000009')$$, false);
INSERT INTO docextract.extraction_jobs (id, document_id)
VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001');
SELECT fixture.try($$INSERT INTO docextract.extraction_jobs (document_id)
                     VALUES ('00000000-0000-0000-0000-000000000001')$$, false);

-- Results.
SELECT fixture.try($$INSERT INTO docextract.extracted_data (job_id, document_id, overall_confidence, extraction_method)
                     VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 1.5, 'ocr')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extracted_data (job_id, document_id, data, extraction_method)
                     VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', '[1]', 'ocr')$$, false);
SELECT fixture.try($$INSERT INTO docextract.extracted_data (job_id, document_id, extraction_method)
                     VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'magic')$$, false);

-- Deleting a document removes its content, jobs and results.
INSERT INTO docextract.extracted_data (job_id, document_id, extraction_method)
VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'native');
DELETE FROM docextract.documents;
SELECT (SELECT count(*) FROM docextract.document_contents) AS contents,
       (SELECT count(*) FROM docextract.extraction_jobs) AS jobs,
       (SELECT count(*) FROM docextract.extracted_data) AS results;
