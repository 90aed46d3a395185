// 0008: the revocation counter (auth_epoch) and the triggers that bump it whenever a token is revoked
// or changed or a web session is deleted, whoever does it (see tokens/epoch.ts for the reader).
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { APP_SCHEMA } from '../postgres-roles.js';

/** The PostgreSQL channel the triggers notify on. */
export const AUTH_EPOCH_CHANNEL = 'runledger_auth';

/** 0008: the counter row and the triggers that bump it (PostgreSQL's also NOTIFY). */
export function authEpochMigration(caps: DialectCapabilities): Migration {
  // Qualified on PostgreSQL: the trigger runs under whatever search_path the writing session has.
  const bump = `UPDATE ${caps.name === 'sqlite' ? '' : `${APP_SCHEMA}.`}auth_epoch SET n = n + 1 WHERE id = 1`;
  // Touching last_used_at (once a minute per token) is not a change that matters to a cache.
  const changed = 'OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.role IS DISTINCT FROM NEW.role OR OLD.groups_json IS DISTINCT FROM NEW.groups_json';
  const statements =
    caps.name === 'sqlite'
      ? [
          `CREATE TRIGGER api_tokens_auth_epoch_update AFTER UPDATE ON api_tokens WHEN ${changed.replaceAll('IS DISTINCT FROM', 'IS NOT')} BEGIN ${bump}; END`,
          `CREATE TRIGGER api_tokens_auth_epoch_delete AFTER DELETE ON api_tokens BEGIN ${bump}; END`,
          `CREATE TRIGGER web_sessions_auth_epoch_delete AFTER DELETE ON web_sessions BEGIN ${bump}; END`,
        ]
      : [
          // SECURITY DEFINER: an administrator revoking in psql under another role still bumps the counter.
          `CREATE FUNCTION runledger_auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ BEGIN ${bump}; PERFORM pg_notify('${AUTH_EPOCH_CHANNEL}', ''); RETURN NULL; END $$`,
          `CREATE TRIGGER api_tokens_auth_epoch_update AFTER UPDATE ON api_tokens FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION runledger_auth_epoch_bump()`,
          `CREATE TRIGGER api_tokens_auth_epoch_delete AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION runledger_auth_epoch_bump()`,
          `CREATE TRIGGER web_sessions_auth_epoch_delete AFTER DELETE ON web_sessions FOR EACH ROW EXECUTE FUNCTION runledger_auth_epoch_bump()`,
          // PostgreSQL grants PUBLIC EXECUTE on every new function; no role needs to call this one (a trigger
          // runs it whoever fires it), and the ledger writer must be able to execute nothing but the guard.
          `REVOKE EXECUTE ON FUNCTION runledger_auth_epoch_bump() FROM PUBLIC`,
        ];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('auth_epoch')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`${sql.ref('id')} = 1`))
        .addColumn('n', caps.int8Type, (c) => c.notNull())
        .execute();
      await sql`INSERT INTO auth_epoch (id, n) VALUES (1, 0)`.execute(db);
      for (const s of statements) await sql.raw(s).execute(db);
    },
  };
}
