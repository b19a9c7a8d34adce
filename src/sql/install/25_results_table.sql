-- Extraction results.

CREATE TABLE docextract.extracted_data (
    id                 uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    job_id             uuid        NOT NULL,
    document_id        uuid        NOT NULL,
    data               jsonb       NOT NULL DEFAULT '{}',
    text               text,
    overall_confidence real,
    field_confidence   jsonb       NOT NULL DEFAULT '{}',
    extraction_method  text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT extracted_data_pkey PRIMARY KEY (id),
    CONSTRAINT extracted_data_job_key UNIQUE (job_id),
    CONSTRAINT extracted_data_job_fkey FOREIGN KEY (job_id)
        REFERENCES docextract.extraction_jobs (id) ON DELETE CASCADE,
    CONSTRAINT extracted_data_document_fkey FOREIGN KEY (document_id)
        REFERENCES docextract.documents (id) ON DELETE CASCADE,
    CONSTRAINT data_valid_confidence
        CHECK (overall_confidence IS NULL OR overall_confidence BETWEEN 0 AND 1),
    CONSTRAINT data_is_object CHECK (pg_catalog.jsonb_typeof(data) = 'object'),
    CONSTRAINT data_field_confidence_is_object
        CHECK (pg_catalog.jsonb_typeof(field_confidence) = 'object'),
    CONSTRAINT data_valid_method CHECK (extraction_method IN ('native', 'ocr', 'mixed', 'none'))
);
COMMENT ON TABLE docextract.extracted_data IS
    'Results of completed jobs: structured data, the full text, confidences and the extraction method; one row per completed job.';
COMMENT ON COLUMN docextract.extracted_data.overall_confidence IS 'Confidence of the extraction, from 0 to 1 (OCR confidence; 1 for native PDF text).';
COMMENT ON COLUMN docextract.extracted_data.extraction_method IS 'native (text from the PDF), ocr, mixed (both) or none (no text found).';

CREATE INDEX data_document_idx ON docextract.extracted_data (document_id);

CREATE TRIGGER extracted_data_touch BEFORE UPDATE ON docextract.extracted_data
    FOR EACH ROW EXECUTE FUNCTION docextract.touch_updated_at();

SELECT pg_catalog.pg_extension_config_dump('docextract.extracted_data', '');
