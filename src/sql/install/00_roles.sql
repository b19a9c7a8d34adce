-- docextract install script, assembled at build time from src/sql/install/*.sql in name order.
-- Every function pins search_path to pg_catalog, pg_temp and names docextract objects with their
-- schema, so no object a user creates can be picked up by mistake.

\echo Use "CREATE EXTENSION docextract" to load this file. \quit

-- Roles. Roles belong to the cluster, not to the extension, so they are created only when absent
-- and survive DROP EXTENSION / CREATE EXTENSION.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_user') THEN
        CREATE ROLE docextract_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_worker') THEN
        CREATE ROLE docextract_worker NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'docextract_admin') THEN
        CREATE ROLE docextract_admin NOLOGIN;
    END IF;
END
$roles$;

-- An admin can do everything a user can, on every document.
GRANT docextract_user TO docextract_admin;

GRANT USAGE ON SCHEMA docextract TO docextract_user, docextract_worker, docextract_admin;
