// The open-time audit of the PostgreSQL ledger-writer role: it may append to the ledger and nothing
// else. Every check asks PostgreSQL for the role's EFFECTIVE rights (PUBLIC grants, column grants and
// memberships included), and pg_shdepend lists every object that names the role in its owner or ACL,
// so a grant of a kind this file does not know about is still refused.
import { sql, type Kysely } from 'kysely';
import { StoreError } from '../errors.js';
import { APP_SCHEMA, LEDGER_SCHEMA } from '../postgres-roles.js';
import { LEDGER_TABLES, type Database } from '../schema.js';

const GUARD_SIGNATURE = `${LEDGER_SCHEMA}.append_guard(bigint,bytea)`;
/** Schemas whose objects belong to PostgreSQL itself (their PUBLIC grants are the server's, not ours). */
const SYSTEM_SCHEMA_SQL = sql`(n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast') OR n.nspname LIKE 'pg\\_temp\\_%' OR n.nspname LIKE 'pg\\_toast\\_temp\\_%')`;

/** Role attributes the writer must not have, with the clause that removes each. */
const ATTRIBUTES = [
  ['rolsuper', 'SUPERUSER'],
  ['rolcreatedb', 'CREATEDB'],
  ['rolcreaterole', 'CREATEROLE'],
  ['rolreplication', 'REPLICATION'],
  ['rolbypassrls', 'BYPASSRLS'],
  // Memberships are refused below, but only at start-up: with INHERIT a role granted later would widen
  // the running writer at once, without SET ROLE.
  ['rolinherit', 'INHERIT'],
] as const;

type RoleRow = { oid: number } & Record<(typeof ATTRIBUTES)[number][0], boolean>;

interface RelationRow {
  what: string;
  nspname: string;
  relname: string;
  privs: string[];
}

/** Collects what the role can do beyond appending, per object, so one error lists all of it. */
class Findings {
  private readonly byObject = new Map<string, string[]>();
  private readonly other: string[] = [];
  add(what: string, privileges: readonly string[]): void {
    if (privileges.length === 0) return;
    const list = this.byObject.get(what) ?? [];
    for (const p of privileges) if (!list.includes(p)) list.push(p);
    this.byObject.set(what, list);
  }
  note(problem: string): void {
    this.other.push(problem);
  }
  has(what: string): boolean {
    return this.byObject.has(what);
  }
  get list(): string[] {
    return [...this.other, ...[...this.byObject].map(([what, privs]) => `has ${privs.join(', ')} on ${what}`)];
  }
}

/**
 * Refuses a ledger-writer role that can do more than append, or that cannot append. Allowed: LOGIN,
 * CONNECT on this database, USAGE on the ledger schema, INSERT on each ledger table, EXECUTE on the
 * append guard. Refused (WRITER_ROLE_TOO_POWERFUL, naming each finding): any role attribute beyond
 * LOGIN (INHERIT included), any membership (direct or indirect, predefined roles included), ownership
 * of anything, any other privilege on a relation of this database (SELECT, column grants, INSERT
 * elsewhere, grant options), CREATE on a schema or on the database, TEMPORARY, EXECUTE on any function
 * of the application's schemas but the guard or on any SECURITY DEFINER function, and any other object
 * whose ACL names the role (default privileges included, except INSERT on new ledger tables).
 */
export async function auditWriterRole(db: Kysely<Database>, writerRole: string, mainRole: string, where: string): Promise<void> {
  if (writerRole === mainRole) {
    throw new StoreError(
      'WRITER_ROLE_SAME_AS_MAIN',
      `ledger writer role "${writerRole}" (${where}) is the same role as the main database role; use a separate INSERT-only role (docs/sql/postgres-roles.sql)`,
    );
  }
  // An empty search_path makes pg_describe_object qualify every name with its schema.
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL search_path = pg_catalog`.execute(trx);
    await audit(trx, writerRole, mainRole, where);
  });
}

async function audit(main: Kysely<Database>, writerRole: string, mainRole: string, where: string): Promise<void> {
  const who = `ledger writer role "${writerRole}" (${where})`;
  const roleRes = await sql<RoleRow>`
    SELECT oid::int AS oid, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit
      FROM pg_roles WHERE rolname = ${writerRole}::name`.execute(main);
  const role = roleRes.rows[0];
  if (!role) throw new StoreError('WRITER_ROLE_MISSING', `${who} does not exist`);
  const w = sql`${role.oid}::oid`;
  const found = new Findings();

  for (const [column, keyword] of ATTRIBUTES) {
    if (role[column]) found.note(`has role attribute ${keyword} (ALTER ROLE "${writerRole}" NO${keyword})`);
  }

  const members = await sql<{ rolname: string }>`
    SELECT r.rolname FROM pg_roles r WHERE r.oid <> ${w} AND pg_has_role(${w}, r.oid, 'MEMBER') ORDER BY r.rolname`.execute(main);
  for (const { rolname } of members.rows) {
    found.note(rolname === mainRole ? `is a member of the main role "${mainRole}" and can act as the tables' owner` : `is a member of role "${rolname}"`);
  }

  const db = await sql<{ what: string; create: boolean; temp: boolean; connect: boolean }>`
    SELECT pg_describe_object('pg_database'::regclass, d.oid, 0) AS what,
           has_database_privilege(${w}, d.oid, 'CREATE') AS create,
           has_database_privilege(${w}, d.oid, 'TEMPORARY') AS temp,
           has_database_privilege(${w}, d.oid, 'CONNECT WITH GRANT OPTION') AS connect
      FROM pg_database d WHERE d.datname = current_database()`.execute(main);
  const d = db.rows[0]!;
  found.add(d.what, [...(d.create ? ['CREATE'] : []), ...(d.temp ? ['TEMPORARY'] : []), ...(d.connect ? ['CONNECT WITH GRANT OPTION'] : [])]);

  const schemas = await sql<{ what: string; nspname: string; create: boolean; usage: boolean; usage_grant: boolean }>`
    SELECT pg_describe_object('pg_namespace'::regclass, n.oid, 0) AS what, n.nspname,
           has_schema_privilege(${w}, n.oid, 'CREATE') AS create,
           has_schema_privilege(${w}, n.oid, 'USAGE') AS usage,
           has_schema_privilege(${w}, n.oid, 'USAGE WITH GRANT OPTION') AS usage_grant
      FROM pg_namespace n WHERE NOT ${SYSTEM_SCHEMA_SQL} ORDER BY n.nspname`.execute(main);
  let ledgerUsage = false;
  for (const s of schemas.rows) {
    if (s.nspname === LEDGER_SCHEMA) ledgerUsage = s.usage;
    const extra = [
      ...(s.create ? ['CREATE'] : []),
      ...(s.nspname === APP_SCHEMA && s.usage ? ['USAGE'] : []),
      ...(s.usage_grant ? ['USAGE WITH GRANT OPTION'] : []),
    ];
    found.add(s.what, extra);
  }

  // Every relation outside the system schemas; only INSERT on the ledger tables is allowed.
  const relations = await sql<RelationRow>`
    SELECT pg_describe_object('pg_class'::regclass, c.oid, 0) AS what, n.nspname, c.relname,
           array_remove(CASE WHEN c.relkind = 'S' THEN ARRAY[
               CASE WHEN has_sequence_privilege(${w}, c.oid, 'USAGE') THEN 'USAGE' END,
               CASE WHEN has_sequence_privilege(${w}, c.oid, 'SELECT') THEN 'SELECT' END,
               CASE WHEN has_sequence_privilege(${w}, c.oid, 'UPDATE') THEN 'UPDATE' END]
             ELSE ARRAY[
               CASE WHEN has_any_column_privilege(${w}, c.oid, 'SELECT') THEN 'SELECT' END,
               CASE WHEN has_any_column_privilege(${w}, c.oid, 'INSERT') THEN 'INSERT' END,
               CASE WHEN has_table_privilege(${w}, c.oid, 'INSERT WITH GRANT OPTION') THEN 'INSERT WITH GRANT OPTION' END,
               CASE WHEN has_any_column_privilege(${w}, c.oid, 'UPDATE') THEN 'UPDATE' END,
               CASE WHEN has_table_privilege(${w}, c.oid, 'DELETE') THEN 'DELETE' END,
               CASE WHEN has_table_privilege(${w}, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
               CASE WHEN has_table_privilege(${w}, c.oid, 'TRIGGER') THEN 'TRIGGER' END,
               CASE WHEN has_any_column_privilege(${w}, c.oid, 'REFERENCES') THEN 'REFERENCES' END]
           END, NULL) AS privs
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT ${SYSTEM_SCHEMA_SQL}
     ORDER BY n.nspname, c.relname`.execute(main);
  const ledgerTables = new Map<string, RelationRow>();
  for (const r of relations.rows) {
    const isLedger = r.nspname === LEDGER_SCHEMA && (LEDGER_TABLES as readonly string[]).includes(r.relname);
    if (isLedger) ledgerTables.set(r.relname, r);
    found.add(r.what, isLedger ? r.privs.filter((p) => p !== 'INSERT') : r.privs);
  }

  // PUBLIC may execute new functions by default: the application's schemas and SECURITY DEFINER
  // functions are what could widen the writer (an ordinary function elsewhere runs with its rights).
  const functions = await sql<{ what: string; is_guard: boolean; exec: boolean; grantable: boolean }>`
    SELECT pg_describe_object('pg_proc'::regclass, p.oid, 0) AS what,
           p.oid = to_regprocedure(${GUARD_SIGNATURE}) AS is_guard,
           has_function_privilege(${w}, p.oid, 'EXECUTE') AS exec,
           has_function_privilege(${w}, p.oid, 'EXECUTE WITH GRANT OPTION') AS grantable
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE NOT ${SYSTEM_SCHEMA_SQL} AND (n.nspname IN (${APP_SCHEMA}, ${LEDGER_SCHEMA}) OR p.prosecdef)
     ORDER BY 1`.execute(main);
  let guardExec = false;
  for (const f of functions.rows) {
    if (f.is_guard) guardExec = f.exec;
    found.add(f.what, [...(f.exec && !f.is_guard ? ['EXECUTE'] : []), ...(f.grantable ? ['EXECUTE WITH GRANT OPTION'] : [])]);
  }

  // Ownership of anything, and every other object whose ACL names the role (types, languages, large
  // objects, foreign servers, tablespaces, parameters, default privileges, other databases…).
  const deps = await sql<{ deptype: string; what: string; allowed: boolean }>`
    SELECT s.deptype, pg_describe_object(s.classid, s.objid, s.objsubid) AS what,
           (s.deptype = 'a' AND (
              -- CONNECT granted to the role itself, here or on another database it may also write.
              (s.classid = 'pg_database'::regclass AND NOT EXISTS (
                 SELECT FROM pg_database d, aclexplode(d.datacl) x WHERE d.oid = s.objid AND x.grantee = ${w} AND (x.privilege_type <> 'CONNECT' OR x.is_grantable)))
           OR (s.classid = 'pg_namespace'::regclass AND s.objid = ${LEDGER_SCHEMA}::regnamespace)
           OR (s.classid = 'pg_class'::regclass AND s.objid IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = ${LEDGER_SCHEMA}::regnamespace AND c.relname IN (${sql.join([...LEDGER_TABLES])})))
           OR (s.classid = 'pg_proc'::regclass AND s.objid = to_regprocedure(${GUARD_SIGNATURE}))
           OR (s.classid = 'pg_default_acl'::regclass AND EXISTS (
                 SELECT FROM pg_default_acl a WHERE a.oid = s.objid AND a.defaclnamespace = ${LEDGER_SCHEMA}::regnamespace AND a.defaclobjtype = 'r'
                    AND NOT EXISTS (SELECT FROM aclexplode(a.defaclacl) x WHERE x.grantee = ${w} AND (x.privilege_type <> 'INSERT' OR x.is_grantable)))))
           ) AS allowed
      FROM pg_shdepend s
     WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = ${w}
       AND s.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
     ORDER BY 2`.execute(main);
  for (const dep of deps.rows) {
    if (dep.deptype === 'o') found.note(`owns ${dep.what}`);
    else if (!dep.allowed && !found.has(dep.what)) found.note(`is granted privileges on ${dep.what}`);
  }

  const problems = found.list;
  if (problems.length > 0) {
    throw new StoreError(
      'WRITER_ROLE_TOO_POWERFUL',
      `${who} can do more than append to the ledger: ${problems.join('; ')}. It must only INSERT into the ledger tables (docs/storage.md, PostgreSQL roles)`,
    );
  }

  if (!ledgerUsage) throw new StoreError('WRITER_ROLE_INSUFFICIENT', `${who} lacks USAGE on schema ${LEDGER_SCHEMA}`);
  for (const t of LEDGER_TABLES) {
    const row = ledgerTables.get(t);
    if (!row) throw new StoreError('MIGRATION_FAILED', `table ${LEDGER_SCHEMA}.${t} is missing`);
    if (!row.privs.includes('INSERT'))
      throw new StoreError(
        'WRITER_ROLE_INSUFFICIENT',
        `${who} lacks INSERT on ${LEDGER_SCHEMA}.${t} (GRANT INSERT ON ${LEDGER_SCHEMA}.${t} TO "${writerRole}")`,
      );
  }
  if (!guardExec) throw new StoreError('WRITER_ROLE_INSUFFICIENT', `${who} lacks EXECUTE on function ${GUARD_SIGNATURE}`);
}
