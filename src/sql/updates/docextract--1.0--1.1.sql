-- docextract 1.0 to 1.1. Assembled at build time: each "--@include" line is replaced by an install
-- part or by one object of it (src/sql/README.md).

\echo Use "ALTER EXTENSION docextract UPDATE TO '1.1'" to load this file. \quit

-- Messages: the format hint only for format problems.
--@include 40_upload.sql upload_as
--@include 10_documents.sql check_document_immutable

--@include 85_search.sql
-- Results stored before the update become searchable.
SELECT pg_catalog.count(docextract.search_index_document(x.document_id))
  FROM (SELECT DISTINCT e.document_id FROM docextract.extracted_data AS e) AS x;

--@include 99_start.sql
