-- Validation, implemented in C.

CREATE OR REPLACE FUNCTION docextract.detect_mime(content bytea) RETURNS text
LANGUAGE c STRICT STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_detect_mime';
COMMENT ON FUNCTION docextract.detect_mime(bytea) IS 'MIME type of the bytes, as libmagic detects it.';

CREATE OR REPLACE FUNCTION docextract.validate_file(
    filename text, content bytea,
    OUT valid boolean, OUT file_format text, OUT mime_type text, OUT file_size bigint,
    OUT errors text[], OUT safe_filename text, OUT notes text[])
RETURNS record
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'docextract_validate_file';
COMMENT ON FUNCTION docextract.validate_file(text, bytea) IS
    'Checks a file against every rule (size limits, extension whitelist, MIME type, signature, polyglots, file name) and lists every problem found.';
