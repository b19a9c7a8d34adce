-- Upload, and the authorisation helpers behind every "_as" function.

-- Authorisation helpers. The user-facing functions that change data are pairs: a SECURITY
-- INVOKER function that passes CURRENT_USER to a SECURITY DEFINER "_as" function. Inside a
-- SECURITY DEFINER function CURRENT_USER is the definer, so the actor must be passed in; the
-- "_as" function accepts it only if the session's user may act as that role anyway.
CREATE OR REPLACE FUNCTION docextract.check_actor(actor name) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r pg_catalog.pg_roles;
BEGIN
    SELECT * INTO r FROM pg_catalog.pg_roles AS a WHERE a.rolname OPERATOR(pg_catalog.=) actor;
    IF actor IS NULL OR NOT FOUND
       OR NOT pg_catalog.pg_has_role(SESSION_USER, r.oid, 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to act as role %', coalesce(pg_catalog.quote_ident(actor), 'NULL')
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The session user must be a member of the role it acts for.';
    END IF;
    -- Documents belong to people: a group role, or a role nobody logs in as, would share them
    -- with everyone who can SET ROLE to it.
    IF NOT r.rolcanlogin
       OR r.rolname OPERATOR(pg_catalog.=)
          ANY ('{docextract_user,docextract_worker,docextract_admin}'::pg_catalog.name[])
       OR NOT pg_catalog.pg_has_role(r.oid, 'docextract_user', 'MEMBER') THEN
        RAISE EXCEPTION 'role % cannot own documents', pg_catalog.quote_ident(actor)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Documents are owned by login roles that are members of docextract_user; group roles, roles without LOGIN and the extension''s own roles cannot own them.',
                  HINT = 'Act as a login role, for example by running SET ROLE to it first, or grant docextract_user to that login role.';
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.check_actor(name) IS 'Refuses to act for a role the session user is not a member of, and for roles that cannot own documents (no LOGIN, not a member of docextract_user, or one of the extension''s own roles).';

CREATE OR REPLACE FUNCTION docextract.is_admin(actor name) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.pg_has_role(actor, 'docextract_admin', 'MEMBER') $$;
COMMENT ON FUNCTION docextract.is_admin(name) IS 'Whether the role is a member of docextract_admin.';

-- Quotas (docextract.quota_documents, docextract.quota_storage; 0 is none). Checked before the
-- document is stored, so a refused upload changes nothing. The uploads of one owner take turns
-- here (a transaction-level advisory lock on the owner), so that two of them cannot both pass.
CREATE OR REPLACE FUNCTION docextract.check_quota(actor name, digest bytea, file_size bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    max_docs  bigint := pg_catalog.current_setting('docextract.quota_documents')::bigint;
    max_bytes bigint := pg_catalog.pg_size_bytes(pg_catalog.current_setting('docextract.quota_storage'));
    docs      bigint;
    bytes     bigint;
BEGIN
    IF max_docs OPERATOR(pg_catalog.=) 0 AND max_bytes OPERATOR(pg_catalog.=) 0 THEN
        RETURN;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(1685021560, pg_catalog.hashtext(actor::pg_catalog.text));
    -- The same bytes again are the existing document, not a new one.
    IF EXISTS (SELECT FROM docextract.documents AS d
                WHERE d.owner OPERATOR(pg_catalog.=) actor
                  AND d.sha256 OPERATOR(pg_catalog.=) digest) THEN
        RETURN;
    END IF;
    IF max_docs OPERATOR(pg_catalog.>) 0 THEN
        -- Counting stops at the quota: the cost is bounded by it.
        SELECT pg_catalog.count(*) INTO docs
          FROM (SELECT FROM docextract.documents AS d
                 WHERE d.owner OPERATOR(pg_catalog.=) actor LIMIT max_docs) AS owned;
        IF docs OPERATOR(pg_catalog.>=) max_docs THEN
            RAISE EXCEPTION 'document quota of role % exceeded', pg_catalog.quote_ident(actor)
                USING ERRCODE = 'XD002',
                      DETAIL = pg_catalog.format('The role stores %s documents; docextract.quota_documents allows %s.',
                                                 docs, max_docs),
                      HINT = 'Delete documents that are no longer needed, or ask an administrator to raise the quota.';
        END IF;
    END IF;
    IF max_bytes OPERATOR(pg_catalog.>) 0 THEN
        SELECT coalesce(pg_catalog.sum(d.file_size), 0) INTO bytes
          FROM docextract.documents AS d WHERE d.owner OPERATOR(pg_catalog.=) actor;
        IF bytes OPERATOR(pg_catalog.+) file_size OPERATOR(pg_catalog.>) max_bytes THEN
            RAISE EXCEPTION 'storage quota of role % exceeded', pg_catalog.quote_ident(actor)
                USING ERRCODE = 'XD002',
                      DETAIL = pg_catalog.format('The role stores %s bytes; with this file of %s bytes it would pass docextract.quota_storage (%s bytes).',
                                                 bytes, file_size, max_bytes),
                      HINT = 'Delete documents that are no longer needed, or ask an administrator to raise the quota.';
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION docextract.check_quota(name, bytea, bigint) IS 'Refuses (SQLSTATE XD002) a new document that would take its owner past docextract.quota_documents or docextract.quota_storage.';

-- Upload
CREATE OR REPLACE FUNCTION docextract.upload_as(
    actor name, filename text, content bytea,
    document_type text DEFAULT 'other', description text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v        pg_catalog.record;
    doc_id   pg_catalog.uuid;
    digest   pg_catalog.bytea;
    note     pg_catalog.text;
BEGIN
    -- First: whatever fails below, the statement (with the bytes, if sent as a literal) is not
    -- written to the server log.
    PERFORM docextract.hide_statement();
    PERFORM docextract.check_actor(actor);

    IF document_type IS NULL OR document_type OPERATOR(pg_catalog.<>) ALL (ARRAY[
        'invoice', 'receipt', 'contract', 'id_document', 'passport', 'drivers_license',
        'bank_statement', 'hr_form', 'medical_record', 'tax_form', 'legal_document',
        'certificate', 'letter', 'report', 'form', 'other']::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'invalid document type: %', coalesce(pg_catalog.quote_literal(document_type), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of invoice, receipt, contract, id_document, passport, drivers_license, bank_statement, hr_form, medical_record, tax_form, legal_document, certificate, letter, report, form or other.';
    END IF;
    IF pg_catalog.length(description) OPERATOR(pg_catalog.>) 10000 THEN
        RAISE EXCEPTION 'description is too long'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = pg_catalog.format('The description has %s characters; the limit is 10000.',
                                             pg_catalog.length(description));
    END IF;

    v := docextract.validate_file(filename, content);
    -- The hint on accepted formats only where the format is what is wrong.
    IF NOT v.valid AND EXISTS (SELECT FROM pg_catalog.unnest(v.errors) AS e
                                WHERE e OPERATOR(pg_catalog.~~) ANY (ARRAY['File type %',
                                      'File content is %', 'File extension %',
                                      'File does not start with %']::pg_catalog.text[])) THEN
        RAISE EXCEPTION 'invalid document file'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.array_to_string(v.errors, ' '),
                  HINT = 'Accepted files are PDF, JPEG, PNG, TIFF, BMP and WebP documents whose extension matches their content.';
    ELSIF NOT v.valid THEN
        RAISE EXCEPTION 'invalid document file'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.array_to_string(v.errors, ' ');
    END IF;

    -- What validation changed without refusing the file (a directory part removed from the
    -- name) is said, not done silently.
    FOREACH note IN ARRAY v.notes LOOP
        RAISE NOTICE 'file name changed' USING DETAIL = note;
    END LOOP;
    digest := pg_catalog.sha256(content);
    PERFORM docextract.check_quota(actor, digest, v.file_size);
    INSERT INTO docextract.documents AS d
           (owner, original_filename, file_size, file_format, mime_type, sha256,
            document_type, description)
    VALUES (actor, v.safe_filename, v.file_size, v.file_format, v.mime_type, digest,
            upload_as.document_type, upload_as.description)
    ON CONFLICT ON CONSTRAINT doc_owner_sha256_key DO NOTHING
    RETURNING d.id INTO doc_id;

    IF doc_id IS NULL THEN
        SELECT d.id INTO STRICT doc_id FROM docextract.documents AS d
         WHERE d.owner OPERATOR(pg_catalog.=) actor AND d.sha256 OPERATOR(pg_catalog.=) digest;
        RAISE NOTICE 'document already uploaded'
            USING DETAIL = pg_catalog.format('Document %s has the same content; it is returned instead of a copy.', doc_id);
        RETURN doc_id;
    END IF;

    INSERT INTO docextract.document_contents (document_id, content) VALUES (doc_id, content);
    INSERT INTO docextract.extraction_jobs (document_id) VALUES (doc_id);
    PERFORM docextract.wake_workers();
    RETURN doc_id;
END
$$;
COMMENT ON FUNCTION docextract.upload_as(name, text, bytea, text, text) IS
    'upload() on behalf of a role the session user is a member of.';

CREATE OR REPLACE FUNCTION docextract.upload(
    filename text, content bytea,
    document_type text DEFAULT 'other', description text DEFAULT NULL)
RETURNS uuid
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$ SELECT docextract.upload_as(CURRENT_USER, filename, content, document_type, description) $$;
COMMENT ON FUNCTION docextract.upload(text, bytea, text, text) IS
    'Validates a file, stores it and queues its extraction, in one transaction; returns the document id. The same bytes uploaded again return the existing document.';
