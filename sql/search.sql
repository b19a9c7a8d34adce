-- Full-text search: one index row per page in the page's language, kept on the newest result,
-- ranked with snippets, under row-level security; fuzzy matching with pg_trgm; bad input.
CREATE ROLE regress_finder LOGIN IN ROLE docextract_user;
CREATE ROLE regress_stranger LOGIN IN ROLE docextract_user;
CREATE ROLE regress_search_admin LOGIN IN ROLE docextract_admin;
CREATE ROLE regress_search_worker LOGIN IN ROLE docextract_worker;

SET ROLE regress_finder;
SELECT docextract.upload('rechnung.pdf', fixture.doc('pdf', 300, 'search-de')) AS de \gset
SELECT docextract.upload('report.pdf', fixture.doc('pdf', 300, 'search-en')) AS en \gset
SELECT docextract.upload('facture.png', fixture.doc('png', 300, 'search-fr')) AS fr \gset
SELECT docextract.upload('long.pdf', fixture.doc('pdf', 300, 'search-long')) AS long \gset
RESET ROLE;
-- Only these jobs are runnable: park the older ones.
UPDATE docextract.extraction_jobs SET run_after = now() + interval '1 day'
 WHERE status = 'pending' AND document_id NOT IN (:'de', :'en', :'fr', :'long');

-- Helper-shaped results (docs/extract-json.md), stored through the worker API.
\set r_de '{"schema": "docextract-extract/2", "text": "", "pages": [{"page": 1, "method": "native", "text": "Rechnung Nr. 2024-0815\\nDie Rechnungen für März wurden am 14. März bezahlt. Vielen Dank für Ihre Zahlung.", "language": {"code": "de", "reliable": true}}, {"page": 2, "method": "native", "text": "Zahlungsbedingungen: zahlbar innerhalb von 14 Tagen ohne Abzug.", "language": {"code": "de", "reliable": true}}]}'
\set r_en '{"schema": "docextract-extract/2", "text": "", "pages": [{"page": 1, "method": "native", "text": "Quarterly report. The invoices were paid late by three customers.", "language": {"code": "en", "reliable": true}}, {"page": 2, "method": "native", "text": "Invoice processing: every invoice is checked twice, and unpaid invoices are escalated to the invoice desk.", "language": {"code": "en", "reliable": true}}, {"page": 3, "method": "native", "text": "Kurz notiert", "language": {"code": "de", "reliable": false}}, {"page": 4, "method": "native", "text": ""}]}'
\set r_fr '{"schema": "docextract-extract/2", "text": "", "metadata": {"language": {"code": "fr", "reliable": true}}, "pages": [{"page": 1, "method": "ocr", "ocr_confidence": 0.9, "text": "Facture payée le 3 mars. Les factures suivantes seront envoyées par courrier.", "language": null}]}'
SET ROLE regress_search_worker;
SELECT job_id AS j, claim_token AS t, document_id AS d FROM docextract.claim_jobs('search', 1) \gset
SELECT docextract.complete_job(:'j', :'t', CASE :'d' WHEN :'de' THEN :'r_de' WHEN :'en' THEN :'r_en' WHEN :'fr' THEN :'r_fr' END::jsonb);
SELECT job_id AS j, claim_token AS t, document_id AS d FROM docextract.claim_jobs('search', 1) \gset
SELECT docextract.complete_job(:'j', :'t', CASE :'d' WHEN :'de' THEN :'r_de' WHEN :'en' THEN :'r_en' WHEN :'fr' THEN :'r_fr' END::jsonb);
SELECT job_id AS j, claim_token AS t, document_id AS d FROM docextract.claim_jobs('search', 1) \gset
SELECT docextract.complete_job(:'j', :'t', CASE :'d' WHEN :'de' THEN :'r_de' WHEN :'en' THEN :'r_en' WHEN :'fr' THEN :'r_fr' END::jsonb);
-- A page of 72,000 characters is indexed up to a word boundary before 65,536, and says so.
SELECT job_id AS j, claim_token AS t, document_id = :'long' AS is_long FROM docextract.claim_jobs('search', 1) \gset
SELECT :'is_long' AS is_long, docextract.complete_job(:'j', :'t', jsonb_build_object('pages', jsonb_build_array(
         jsonb_build_object('page', 1, 'method', 'native',
                            'text', 'Anfangswort ' || repeat('lorem ', 12000) || 'Schlusswort'))));
RESET ROLE;

-- One row per page with text: German and English stemming, the document's language for a page
-- without one (the French scan), simple for an unreliable detection.
SELECT d.original_filename, s.page, s.config, s.capped, length(s.text) AS chars, s.tsv
  FROM docextract.search_pages AS s JOIN docextract.documents AS d ON d.id = s.document_id
 WHERE s.document_id IN (:'de', :'en', :'fr') ORDER BY 1, 2;
SELECT s.capped, length(s.text) AS chars, right(s.text, 12) AS ends_with
  FROM docextract.search_pages AS s WHERE s.document_id = :'long';

SET ROLE regress_finder;
-- Stemming in the page's language: the singular finds the plural, and each language its own.
SELECT original_filename, page, round(rank::numeric, 4) AS rank, snippet
  FROM docextract.search('Rechnung');
SELECT original_filename, page, round(rank::numeric, 4) AS rank, snippet
  FROM docextract.search('invoice');
SELECT original_filename, page, snippet FROM docextract.search('factures payées');
-- websearch syntax: phrases, OR, exclusion.
SELECT original_filename, page, snippet FROM docextract.search('"paid late"');
SELECT original_filename, page FROM docextract.search('"late paid"');
SELECT original_filename, page FROM docextract.search('Zahlung or escalated') ORDER BY 1, 2;
SELECT original_filename, page FROM docextract.search('invoice -unpaid');
SELECT original_filename, page FROM docextract.search('kurz');
-- max_results keeps the best; a query of stop words only finds nothing, silently.
SELECT original_filename, page FROM docextract.search('invoice', 1);
SELECT count(*) AS stop_words_only FROM docextract.search('the and of');
-- The capped page: its beginning is searchable, its end is not.
SELECT original_filename, page, left(snippet, 40) AS snippet FROM docextract.search('Anfangswort');
SELECT count(*) AS end_found FROM docextract.search('Schlusswort');
RESET ROLE;

-- Only the newest result is searchable: a new extraction replaces the pages.
SET ROLE regress_finder;
SELECT docextract.enqueue(:'en') AS en2 \gset
RESET ROLE;
SET ROLE regress_search_worker;
SELECT job_id AS j, claim_token AS t FROM docextract.claim_jobs('search', 1) \gset
SELECT docextract.complete_job(:'j', :'t', '{"pages": [{"page": 1, "method": "native", "text": "Annual summary without bills.", "language": {"code": "en", "reliable": true}}]}');
RESET ROLE;
SET ROLE regress_finder;
SELECT count(*) AS old_words FROM docextract.search('invoice');
SELECT original_filename, page, snippet FROM docextract.search('summaries');
RESET ROLE;
-- Deleting the newest result makes the previous one searchable again.
DELETE FROM docextract.extracted_data WHERE job_id = :'en2';
SELECT count(*) AS pages_again FROM docextract.search_pages WHERE document_id = :'en';

-- Row-level security: another user sees no page, word or hit; admins and workers see all.
SET ROLE regress_stranger;
SELECT count(*) AS hits FROM docextract.search('Rechnung');
SELECT (SELECT count(*) FROM docextract.search_pages) AS pages,
       (SELECT count(*) FROM docextract.search_words) AS words,
       (SELECT count(*) FROM docextract.search_configs) AS configs;
RESET ROLE;
SET ROLE regress_search_admin;
SELECT original_filename, page FROM docextract.search('Zahlungsbedingungen');
RESET ROLE;
SET ROLE regress_search_worker;
SELECT count(*) AS worker_pages FROM docextract.search_pages WHERE document_id = :'de';
RESET ROLE;

-- Bad input is refused with SQLSTATE 22023.
SET ROLE regress_finder;
SELECT fixture.try($$SELECT * FROM docextract.search(NULL)$$);
SELECT fixture.try($$SELECT * FROM docextract.search('   ')$$);
SELECT fixture.try($$SELECT * FROM docextract.search(repeat('x', 1001))$$);
SELECT fixture.try($$SELECT * FROM docextract.search('invoice', 0)$$);
SELECT fixture.try($$SELECT * FROM docextract.search('invoice', 1001)$$);
SELECT fixture.try($$SELECT * FROM docextract.search('invoice', NULL)$$);
SELECT fixture.try($$SELECT * FROM docextract.search('invoice', 5, NULL)$$);
-- Fuzzy matching needs pg_trgm, found at run time in whatever schema it was installed in.
SELECT fixture.try($$SELECT * FROM docextract.search('lnvoice', fuzzy => true)$$);
RESET ROLE;
CREATE SCHEMA "trgm ""here""";
GRANT USAGE ON SCHEMA "trgm ""here""" TO PUBLIC;
CREATE EXTENSION pg_trgm SCHEMA "trgm ""here""";
SET ROLE regress_finder;
-- OCR errors: l for I, a missing letter; the exact search finds nothing.
SELECT count(*) AS exact FROM docextract.search('lnvoice');
SELECT original_filename, page, round(rank::numeric, 4) AS rank, snippet
  FROM docextract.search('lnvoice', fuzzy => true);
SELECT original_filename, page, snippet FROM docextract.search('Rechnug bezahlt', 5, true);
-- The threshold is pg_trgm's.
SET pg_trgm.similarity_threshold = 0.9;
SELECT count(*) AS strict FROM docextract.search('lnvoice', fuzzy => true);
RESET pg_trgm.similarity_threshold;
RESET ROLE;
SET ROLE regress_stranger;
SELECT count(*) AS stranger_fuzzy FROM docextract.search('lnvoice', fuzzy => true);
RESET ROLE;
DROP EXTENSION pg_trgm;
DROP SCHEMA "trgm ""here""";

-- Deleting documents removes their pages, and the word list with the owner's last document.
SET ROLE regress_finder;
DELETE FROM docextract.documents WHERE id = :'de';
SELECT count(*) AS de_pages FROM docextract.search_pages WHERE document_id = :'de';
SELECT count(*) > 0 AS words_kept FROM docextract.search_words;
DELETE FROM docextract.documents WHERE id IN (:'en', :'fr', :'long');
SELECT (SELECT count(*) FROM docextract.search_words) AS words,
       (SELECT count(*) FROM docextract.search_configs) AS configs;
RESET ROLE;
DROP ROLE regress_finder, regress_stranger, regress_search_admin, regress_search_worker;
