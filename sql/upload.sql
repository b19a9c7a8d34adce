-- upload(): validation, storage, deduplication and the queued job, in one transaction.
CREATE ROLE regress_alice LOGIN IN ROLE docextract_user;

SET ROLE regress_alice;
SELECT docextract.upload('Scan 1.pdf', fixture.doc('pdf', 300, 'one'), 'invoice', 'March') AS doc1 \gset
SELECT original_filename, owner, file_size, file_format, mime_type, document_type, description,
       sha256 = sha256(fixture.doc('pdf', 300, 'one')) AS sha_ok
  FROM docextract.documents WHERE id = :'doc1';
SELECT octet_length(content) FROM docextract.document_contents WHERE document_id = :'doc1';
SELECT status, priority, retry_count, max_retries, run_after <= now() AS runnable,
       started_at, completed_at, claim_digest
  FROM docextract.extraction_jobs WHERE document_id = :'doc1';

-- The same bytes again: the existing document, a notice, and no second job.
\set VERBOSITY terse
SELECT docextract.upload('copy.pdf', fixture.doc('pdf', 300, 'one')) = :'doc1' AS same_document;
\set VERBOSITY default
SELECT count(*) AS documents FROM docextract.documents;
SELECT count(*) AS jobs FROM docextract.extraction_jobs;

-- Bad input: one clear error, nothing stored.
SELECT fixture.try($$SELECT docextract.upload('a.png', fixture.doc('pdf', 50))$$);
SELECT fixture.try($$SELECT docextract.upload(NULL, NULL)$$);
SELECT fixture.try($$SELECT docextract.upload('a.pdf', fixture.doc('pdf', 200, 'two'), 'love_letter')$$);
SELECT fixture.try($$SELECT docextract.upload('a.pdf', fixture.doc('pdf', 200, 'two'), NULL)$$);
SELECT fixture.try($$SELECT docextract.upload('a.pdf', fixture.doc('pdf', 200, 'two'), 'other', repeat('x', 10001))$$);
SELECT count(*) AS documents FROM docextract.documents;

-- Only upload() writes documents; a user cannot insert directly or give a document away.
-- (upload_as() for another role is tested with real logins in test/t/002_rls_logins.pl: here the
-- session user is a superuser, who may act as anyone.)
SELECT fixture.try($$INSERT INTO docextract.documents (original_filename, file_size, file_format, mime_type, sha256)
                     VALUES ('a.pdf', 200, 'pdf', 'application/pdf', sha256('x'))$$);
SELECT fixture.try($$UPDATE docextract.documents SET owner = 'postgres'$$);
SELECT fixture.try($$UPDATE docextract.documents SET document_type = 'receipt', description = 'April'$$);
SELECT document_type, description FROM docextract.documents;
RESET ROLE;

-- Every format is accepted.
SET ROLE regress_alice;
SELECT f, docextract.upload('file.' || f, fixture.doc(CASE f WHEN 'jpeg' THEN 'jpg' ELSE f END, 200, 'fmt' || f)) IS NOT NULL AS stored
  FROM unnest(ARRAY['pdf', 'png', 'jpg', 'jpeg', 'tiff', 'bmp', 'webp']) AS f;
RESET ROLE;
SELECT file_format, mime_type, count(*)
  FROM docextract.documents GROUP BY 1, 2 ORDER BY 1;

-- A directory part is removed from the file name, and the uploader is told so.
SET ROLE regress_alice;
SELECT docextract.upload('../../etc/inv.pdf', fixture.doc('pdf', 200, 'pathnote')) IS NOT NULL AS stored;
SELECT original_filename FROM docextract.documents WHERE original_filename = 'inv.pdf';
RESET ROLE;

-- Quotas: a document that would pass them is refused (SQLSTATE XD002) and nothing is stored; the
-- same bytes again still return the existing document.
SELECT count(*) AS alice_docs FROM docextract.documents WHERE owner = 'regress_alice' \gset
SELECT set_config('docextract.quota_documents', :'alice_docs', false) IS NOT NULL AS quota_set;
SET ROLE regress_alice;
SELECT fixture.try($$SELECT docextract.upload('over.pdf', fixture.doc('pdf', 200, 'over quota'))$$);
SET client_min_messages = warning;  -- the NOTICE names the document
SELECT docextract.upload('../../etc/inv.pdf', fixture.doc('pdf', 200, 'pathnote')) IS NOT NULL AS existing;
RESET client_min_messages;
RESET ROLE;
SELECT count(*) = :alice_docs AS unchanged FROM docextract.documents WHERE owner = 'regress_alice';
RESET docextract.quota_documents;
SET docextract.quota_storage = '1MB';
SET ROLE regress_alice;
SELECT fixture.try($$SELECT docextract.upload('big.pdf', fixture.doc('pdf', 1048576, 'big'))$$);
RESET ROLE;
RESET docextract.quota_storage;
