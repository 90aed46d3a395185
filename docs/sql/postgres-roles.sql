-- Runledger: PostgreSQL roles and schemas (run once per database, as an administrator).
--
--   psql -X -v app_role=runledger_app -v writer_role=runledger_ledger_writer \
--        -f docs/sql/postgres-roles.sql postgres://postgres@db.example:5432/runledger
--
-- Variables (all optional):
--   app_role     main role: owns the schemas and tables, runs migrations, reads    (default runledger_app)
--   writer_role  ledger writer: INSERT only on the three ledger tables             (default runledger_ledger_writer)
--   database     database to set up                                               (default: the one psql is connected to)
--
-- What it does:
--   * creates both roles if they do not exist (LOGIN, no superuser, no CREATEDB/CREATEROLE/BYPASSRLS;
--     the writer also NOINHERIT, so a later mistaken GRANT of another role does not silently widen it);
--   * creates schema runledger (application tables, migration bookkeeping) and schema runledger_ledger
--     (exactly ledger_entries, ledger_nodes and ledger_checkpoints), both owned by app_role;
--   * gives writer_role USAGE on runledger_ledger and, through default privileges, INSERT on every table
--     app_role creates there. Nothing else: no SELECT, UPDATE, DELETE, TRUNCATE, no CREATE.
--     The tables themselves are created by the application's migrations (as app_role) on first start.
--   * revokes TEMPORARY on the database (and, before PostgreSQL 15, CREATE on schema public) from PUBLIC:
--     the writer must not have them, and PUBLIC's grants apply to every role;
--   * sets each role's search_path in this database.
--
-- Because the writer cannot SELECT, PostgreSQL refuses INSERT ... RETURNING and ON CONFLICT for it;
-- the application uses plain INSERTs and reads through app_role.
--
-- Passwords: this script sets none. With password authentication, afterwards run for example
--   \password runledger_app
--   \password runledger_ledger_writer
-- and put them in RUNLEDGER_DATABASE_URL(_FILE) and RUNLEDGER_LEDGER_DATABASE_URL(_FILE).
--
-- Running it again is harmless: existing roles and schemas are kept, grants are re-applied.
-- The application checks the writer role every time it opens the store and refuses to start if the
-- role is missing or is app_role, or if it can do anything but append: a role attribute (SUPERUSER,
-- CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS, INHERIT), a membership in any role (predefined roles
-- such as pg_write_all_data included), ownership of anything, a privilege other than INSERT on the
-- ledger tables, CREATE or TEMPORARY, EXECUTE on a function other than the append guard
-- (docs/storage.md lists the checks).
-- This file is kept identical to POSTGRES_ROLES_STATEMENTS in packages/store/src/postgres-roles.ts (tested).

\set ON_ERROR_STOP on
\if :{?app_role}
\else
  \set app_role runledger_app
\endif
\if :{?writer_role}
\else
  \set writer_role runledger_ledger_writer
\endif
\if :{?database}
\else
  \set database :DBNAME
\endif

BEGIN;

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role')
\gexec

SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT', :'writer_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'writer_role')
\gexec

GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_role";

GRANT CONNECT ON DATABASE :"database" TO :"writer_role";

-- PUBLIC gets TEMPORARY on every new database; the writer needs no temporary tables.
REVOKE TEMPORARY ON DATABASE :"database" FROM PUBLIC;

-- PostgreSQL before 15 lets PUBLIC create in schema public.
SELECT 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' WHERE EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public')
\gexec

CREATE SCHEMA IF NOT EXISTS runledger AUTHORIZATION :"app_role";

CREATE SCHEMA IF NOT EXISTS runledger_ledger AUTHORIZATION :"app_role";

GRANT USAGE ON SCHEMA runledger_ledger TO :"writer_role";

ALTER DEFAULT PRIVILEGES FOR ROLE :"app_role" IN SCHEMA runledger_ledger GRANT INSERT ON TABLES TO :"writer_role";

GRANT INSERT ON ALL TABLES IN SCHEMA runledger_ledger TO :"writer_role";

ALTER ROLE :"app_role" IN DATABASE :"database" SET search_path = runledger, runledger_ledger;

ALTER ROLE :"writer_role" IN DATABASE :"database" SET search_path = runledger_ledger;

COMMIT;
