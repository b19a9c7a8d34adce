-- Documents and their bytes.

CREATE TABLE docextract.documents (
    id                uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner             name        NOT NULL DEFAULT CURRENT_USER,
    original_filename text        NOT NULL,
    file_size         bigint      NOT NULL,
    file_format       text        NOT NULL,
    mime_type         text        NOT NULL,
    sha256            bytea       NOT NULL,
    document_type     text        NOT NULL DEFAULT 'other',
    description       text,
    uploaded_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT documents_pkey PRIMARY KEY (id),
    -- The same bytes uploaded twice by one owner are one document.
    CONSTRAINT doc_owner_sha256_key UNIQUE (owner, sha256),
    CONSTRAINT doc_positive_file_size CHECK (file_size > 0),
    CONSTRAINT doc_valid_file_format
        CHECK (file_format IN ('pdf', 'jpg', 'jpeg', 'png', 'tiff', 'bmp', 'webp')),
    CONSTRAINT doc_valid_mime_type
        CHECK (mime_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/tiff',
                             'image/bmp', 'image/x-ms-bmp', 'image/webp')),
    CONSTRAINT doc_format_matches_mime CHECK (
        CASE file_format
            WHEN 'pdf'  THEN mime_type = 'application/pdf'
            WHEN 'jpg'  THEN mime_type = 'image/jpeg'
            WHEN 'jpeg' THEN mime_type = 'image/jpeg'
            WHEN 'png'  THEN mime_type = 'image/png'
            WHEN 'tiff' THEN mime_type = 'image/tiff'
            WHEN 'bmp'  THEN mime_type IN ('image/bmp', 'image/x-ms-bmp')
            WHEN 'webp' THEN mime_type = 'image/webp'
        END),
    CONSTRAINT doc_valid_document_type CHECK (document_type IN (
        'invoice', 'receipt', 'contract', 'id_document', 'passport', 'drivers_license',
        'bank_statement', 'hr_form', 'medical_record', 'tax_form', 'legal_document',
        'certificate', 'letter', 'report', 'form', 'other')),
    CONSTRAINT doc_sha256_length CHECK (pg_catalog.octet_length(sha256) = 32),
    CONSTRAINT doc_filename_length
        CHECK (pg_catalog.octet_length(original_filename) BETWEEN 1 AND 255),
    CONSTRAINT doc_filename_no_path CHECK (pg_catalog.strpos(original_filename, '/') = 0),
    CONSTRAINT doc_description_length
        CHECK (description IS NULL OR pg_catalog.length(description) <= 10000),
    CONSTRAINT doc_valid_timestamps CHECK (updated_at >= uploaded_at)
);
COMMENT ON TABLE docextract.documents IS
    'Uploaded documents: who uploaded what, its validated format and MIME type, size and SHA-256. The bytes are in docextract.document_contents.';
COMMENT ON COLUMN docextract.documents.owner IS 'Role that uploaded the document; row-level security shows a user only their own documents.';
COMMENT ON COLUMN docextract.documents.original_filename IS 'Base name of the uploaded file, after validation (no path, no control characters).';
COMMENT ON COLUMN docextract.documents.file_format IS 'Normalised file extension: pdf, jpg, jpeg, png, tiff, bmp or webp.';
COMMENT ON COLUMN docextract.documents.mime_type IS 'MIME type detected from the bytes by libmagic; the client''s content type is never trusted.';
COMMENT ON COLUMN docextract.documents.sha256 IS 'SHA-256 of the content (32 bytes); one owner never stores the same bytes twice.';
COMMENT ON COLUMN docextract.documents.document_type IS 'What the document is (invoice, receipt, contract, ...); defaults to other.';
COMMENT ON COLUMN docextract.documents.file_size IS 'Size of the content in bytes; always equal to the stored content''s length.';

-- One row per document. The bytes live apart so that listing documents never reads them, and
-- are stored EXTERNAL (uncompressed) because pdf, jpeg, png and webp are compressed already.
CREATE TABLE docextract.document_contents (
    document_id uuid  NOT NULL,
    content     bytea NOT NULL,
    CONSTRAINT document_contents_pkey PRIMARY KEY (document_id),
    CONSTRAINT document_contents_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE
);
COMMENT ON TABLE docextract.document_contents IS
    'The bytes of each document, one row per document, stored uncompressed out of line so that listing documents never reads them.';

ALTER TABLE docextract.document_contents ALTER COLUMN content SET STORAGE EXTERNAL;

-- Indexes: the seed application's, under its names, and the queue's own.
CREATE INDEX doc_uploaded_idx       ON docextract.documents (uploaded_at DESC);

CREATE INDEX doc_user_uploaded_idx  ON docextract.documents (owner, uploaded_at DESC);

CREATE INDEX doc_type_idx           ON docextract.documents (document_type);

CREATE INDEX doc_user_type_idx      ON docextract.documents (owner, document_type);

CREATE INDEX doc_format_idx         ON docextract.documents (file_format);

CREATE INDEX doc_user_format_idx    ON docextract.documents (owner, file_format);

-- Triggers
CREATE OR REPLACE FUNCTION docextract.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION docextract.touch_updated_at() IS 'Trigger: keeps updated_at current on every update.';

CREATE TRIGGER documents_touch BEFORE UPDATE ON docextract.documents
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();

-- What describes the bytes may not drift away from them.
CREATE OR REPLACE FUNCTION docextract.check_document_immutable() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- IS DISTINCT FROM without its unqualified =: the columns are NOT NULL, so OLD's values never
    -- are, and NEW's differ from them when null or unequal.
    IF NEW.id IS NULL OR NEW.id OPERATOR(pg_catalog.<>) OLD.id
       OR NEW.file_size IS NULL OR NEW.file_size OPERATOR(pg_catalog.<>) OLD.file_size
       OR NEW.sha256 IS NULL OR NEW.sha256 OPERATOR(pg_catalog.<>) OLD.sha256
       OR NEW.file_format IS NULL OR NEW.file_format OPERATOR(pg_catalog.<>) OLD.file_format
       OR NEW.mime_type IS NULL OR NEW.mime_type OPERATOR(pg_catalog.<>) OLD.mime_type
       OR NEW.uploaded_at IS NULL OR NEW.uploaded_at OPERATOR(pg_catalog.<>) OLD.uploaded_at THEN
        RAISE EXCEPTION 'cannot change the stored facts of document %', OLD.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The columns id, file_size, sha256, file_format, mime_type and uploaded_at describe the stored bytes and never change.',
                  HINT = 'Upload the new file as a new document.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION docextract.check_document_immutable() IS 'Trigger: refuses changes to the columns that describe the stored bytes.';

CREATE TRIGGER documents_immutable BEFORE UPDATE ON docextract.documents
    FOR EACH ROW EXECUTE FUNCTION docextract.check_document_immutable();

CREATE OR REPLACE FUNCTION docextract.check_content_matches() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    doc_size bigint;
    doc_sha  pg_catalog.bytea;
BEGIN
    SELECT d.file_size, d.sha256 INTO doc_size, doc_sha
      FROM docextract.documents AS d WHERE d.id OPERATOR(pg_catalog.=) NEW.document_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports the missing document
    END IF;
    IF pg_catalog.octet_length(NEW.content) OPERATOR(pg_catalog.<>) doc_size THEN
        RAISE EXCEPTION 'content of document % does not match its file_size', NEW.document_id
            USING ERRCODE = 'check_violation',
                  DETAIL = pg_catalog.format('The document records %s bytes; the content has %s bytes.',
                                             doc_size, pg_catalog.octet_length(NEW.content));
    END IF;
    IF pg_catalog.sha256(NEW.content) OPERATOR(pg_catalog.<>) doc_sha THEN
        RAISE EXCEPTION 'content of document % does not match its sha256', NEW.document_id
            USING ERRCODE = 'check_violation',
                  DETAIL = 'The SHA-256 of the content differs from the one the document records.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION docextract.check_content_matches() IS 'Trigger: refuses content whose length or SHA-256 differs from its document row.';

CREATE TRIGGER document_contents_match BEFORE INSERT OR UPDATE ON docextract.document_contents
    FOR EACH ROW EXECUTE FUNCTION docextract.check_content_matches();

SELECT pg_catalog.pg_extension_config_dump('docextract.documents', '');

SELECT pg_catalog.pg_extension_config_dump('docextract.document_contents', '');
