-- Row-level security, roles and SECURITY DEFINER hygiene.
CREATE ROLE regress_bob LOGIN IN ROLE docextract_user;
CREATE ROLE regress_admin LOGIN IN ROLE docextract_admin;
CREATE ROLE regress_worker LOGIN IN ROLE docextract_worker;
CREATE ROLE regress_nobody LOGIN;

SET ROLE regress_bob;
SELECT docextract.upload('bob.pdf', fixture.doc('pdf', 500, 'bob')) AS bob_doc \gset
SELECT id AS bob_job FROM docextract.extraction_jobs WHERE document_id = :'bob_doc' \gset
-- Bob sees only his own rows, in every table and view.
SELECT owner, count(*) FROM docextract.documents GROUP BY 1;
SELECT count(*) AS contents FROM docextract.document_contents;
SELECT count(*) AS jobs FROM docextract.extraction_jobs;
SELECT count(*) AS results FROM docextract.extracted_data;
SELECT DISTINCT owner FROM docextract.document_overview;
SELECT DISTINCT owner FROM docextract.job_overview;
-- He cannot change or delete Alice's documents, nor manage her jobs.
RESET ROLE;
SELECT id AS alice_doc FROM docextract.documents WHERE owner = 'regress_alice' ORDER BY uploaded_at LIMIT 1 \gset
SELECT id AS alice_job FROM docextract.extraction_jobs WHERE document_id = :'alice_doc' LIMIT 1 \gset
SET ROLE regress_bob;
UPDATE docextract.documents SET description = 'mine now' WHERE id = :'alice_doc';
DELETE FROM docextract.documents WHERE id = :'alice_doc';
SELECT fixture.try(format('SELECT docextract.enqueue(%L)', :'alice_doc'));
SELECT fixture.try(format('SELECT docextract.cancel_job(%L)', :'alice_job'));
-- Direct writes to jobs and results are not his.
SELECT fixture.try(format('UPDATE docextract.extraction_jobs SET status = %L', 'completed'));
SELECT fixture.try(format('INSERT INTO docextract.extracted_data (job_id, document_id, extraction_method) VALUES (%L, %L, %L)',
                          :'bob_job', :'bob_doc', 'native'));
SELECT fixture.try('DELETE FROM docextract.document_contents');
-- He may delete his own document, which removes its content and jobs.
DELETE FROM docextract.documents WHERE id = :'bob_doc';
SELECT count(*) FROM docextract.documents;
RESET ROLE;
SELECT count(*) AS alice_unchanged FROM docextract.documents
 WHERE id = :'alice_doc' AND description IS DISTINCT FROM 'mine now';
SELECT count(*) AS bob_jobs_left FROM docextract.extraction_jobs WHERE document_id = :'bob_doc';

-- An admin sees everything and may act on any document.
SET ROLE regress_admin;
SELECT count(DISTINCT owner) > 0 AS sees_alice FROM docextract.documents WHERE owner = 'regress_alice';
SELECT fixture.try(format('SELECT docextract.enqueue(%L)', :'alice_doc'));
SELECT docextract.cancel_job(:'alice_job');
SELECT docextract.enqueue(:'alice_doc') IS NOT NULL AS enqueued_for_alice;
RESET ROLE;

-- A worker reads documents and jobs but changes nothing directly.
SET ROLE regress_worker;
SELECT count(*) > 0 AS reads_documents FROM docextract.documents;
SELECT fixture.try('DELETE FROM docextract.documents');
SELECT fixture.try($$SELECT docextract.upload('w.pdf', fixture.doc('pdf'))$$);
RESET ROLE;

-- A role without docextract privileges gets nothing.
SET ROLE regress_nobody;
SELECT fixture.try('SELECT count(*) FROM docextract.documents');
SELECT fixture.try($$SELECT docextract.upload('n.pdf', fixture.doc('pdf'))$$);
SELECT fixture.try($$SELECT docextract.validate_file('n.pdf', fixture.doc('pdf'))$$);
RESET ROLE;

-- Every SECURITY DEFINER function pins search_path.
SELECT p.oid::regprocedure AS definer_without_search_path
  FROM pg_proc p
 WHERE p.pronamespace = 'docextract'::regnamespace AND p.prosecdef
   AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%');
SELECT p.oid::regprocedure AS definer, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'docextract'::regnamespace AND p.prosecdef ORDER BY p.oid::regprocedure::text;

-- A hostile object in the caller's search_path is never used by the extension.
CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT '\x00'::bytea $$;
SET search_path = public, pg_catalog;
SET ROLE regress_bob;
SELECT docextract.upload('path.pdf', fixture.doc('pdf', 200, 'path')) IS NOT NULL AS uploaded;
SELECT octet_length(sha256) FROM docextract.documents WHERE original_filename = 'path.pdf';
RESET ROLE;
RESET search_path;
DROP FUNCTION public.sha256(bytea);

-- Documents are owned by login roles that are members of docextract_user: never by a group, a
-- role without LOGIN or one of the extension's roles, which others could SET ROLE to.
CREATE ROLE regress_group NOLOGIN IN ROLE docextract_user;
SET ROLE regress_bob;
SELECT fixture.try($$SELECT docextract.upload_as('regress_group', 'g.pdf', fixture.doc('pdf', 200, 'grp'))$$);
SELECT fixture.try($$SELECT docextract.upload_as('docextract_user', 'g.pdf', fixture.doc('pdf', 200, 'grp'))$$, false);
SET ROLE regress_group;
SELECT fixture.try($$SELECT docextract.upload('g.pdf', fixture.doc('pdf', 200, 'grp'))$$, false);
RESET ROLE;
SELECT fixture.try($$SELECT docextract.upload_as('regress_nobody', 'g.pdf', fixture.doc('pdf', 200, 'grp'))$$, false);
SELECT fixture.try($$SELECT docextract.upload_as(NULL, 'g.pdf', fixture.doc('pdf', 200, 'grp'))$$, false);
SELECT count(*) AS refused_owners_hold_nothing FROM docextract.documents
 WHERE owner IN ('regress_group', 'docextract_user', 'regress_nobody');

-- A claim token goes only to the claimant: the table keeps its SHA-256, and only the token
-- itself passes.
SET ROLE regress_worker;
SELECT job_id AS claimed_job, claim_token AS claimed_token FROM docextract.claim_jobs('regress', 1) \gset
SELECT count(*) AS raw_tokens_stored FROM docextract.extraction_jobs
 WHERE claim_digest = uuid_send(:'claimed_token');
SELECT docextract.claim_is_current(:'claimed_job', :'claimed_token') AS token_current,
       docextract.claim_is_current(:'claimed_job', gen_random_uuid()) AS other_current;
SELECT docextract.release_job(:'claimed_job', :'claimed_token');
RESET ROLE;

-- A hostile operator or function in the caller's search_path is never used by the extension:
-- neither by the SECURITY DEFINER functions nor by wait_for_job(), which reads jobs under the
-- caller's privileges.
CREATE FUNCTION public.hostile_uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'hostile operator ran as %', current_user;
    RETURN uuid_cmp($1, $2) = 0;
END $$;
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.hostile_uuid_eq);
GRANT USAGE ON SCHEMA public TO PUBLIC;
SET search_path = public, pg_catalog;
SET ROLE regress_worker;
SELECT job_id AS hj, claim_token AS ht FROM docextract.claim_jobs('regress', 1) \gset
SELECT docextract.heartbeat(:'hj', :'ht', 1, 2) IS NOT NULL AS beat;
SELECT docextract.claim_is_current(:'hj', :'ht') AS current;
SELECT docextract.release_job(:'hj', :'ht');
SELECT docextract.reclaim_jobs() AS reclaimed;
SELECT docextract.wait_for_job(:'hj', '0 s');
RESET ROLE;
SET ROLE regress_admin;
SELECT docextract.cancel_job(:'hj');
SELECT docextract.retry_job(:'hj');
RESET ROLE;
RESET search_path;
DROP OPERATOR public.= (uuid, uuid);
DROP FUNCTION public.hostile_uuid_eq(uuid, uuid);

-- DROP EXTENSION refuses while documents exist, and changes nothing; told to, it drops them.
SELECT count(*) > 0 AS has_documents FROM docextract.documents;
DROP EXTENSION docextract CASCADE;
\set VERBOSITY sqlstate
DROP EXTENSION docextract;
\set VERBOSITY default
SELECT count(*) > 0 AS has_documents FROM docextract.documents;
-- The roles survive DROP EXTENSION and CREATE EXTENSION again.
SET docextract.allow_drop_with_documents = on;
DROP EXTENSION docextract CASCADE;
RESET docextract.allow_drop_with_documents;
SELECT rolname FROM pg_roles
 WHERE rolname IN ('docextract_user', 'docextract_worker', 'docextract_admin') ORDER BY 1;
CREATE EXTENSION docextract;
SELECT count(*) AS documents FROM docextract.documents;
DROP EXTENSION docextract;
DROP SCHEMA fixture CASCADE;
DROP ROLE regress_alice, regress_bob, regress_admin, regress_worker, regress_nobody, regress_group;
