-- docextract 1.0 to 1.1. Assembled at build time: each "--@include" line is replaced by an install
-- part or by one object of it (src/sql/README.md).

\echo Use "ALTER EXTENSION docextract UPDATE TO '1.1'" to load this file. \quit

-- Messages: the format hint only for format problems.
--@include 40_upload.sql upload_as
--@include 10_documents.sql check_document_immutable

-- Monitoring: escaped label values, and a database label on every metric.
--@include 80_monitoring.sql prometheus_label
--@include 80_monitoring.sql metrics
REVOKE ALL ON FUNCTION docextract.prometheus_label(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION docextract.prometheus_label(text) TO docextract_admin, docextract_worker;

--@include 99_start.sql
