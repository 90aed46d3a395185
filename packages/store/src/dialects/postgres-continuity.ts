// PostgreSQL triggers that refuse ledger rows which do not continue the stored tree (migration 0007).
// The INSERT-only writer could otherwise brick the ledger with one row: a checkpoint for a size that
// does not exist, a node at a position a later append needs, or an entry past a gap. The functions
// run as the main role (SECURITY DEFINER: the writer cannot SELECT) and nobody may call them directly.
//
// They are AFTER STATEMENT triggers over the statement's new rows (transition tables): one call and a
// few set-based queries per statement (about 0.2 ms per commit), not a PL/pgSQL call per row (that
// cost 64-entry commits about two thirds of their throughput). In the writer's one-statement append
// the checkpoint row (the main query) is inserted before the entries and nodes (its CTEs); AFTER
// triggers fire once the whole statement is done, so each check sees the entire batch.
import { LEDGER_SCHEMA } from '../postgres-roles.js';

/** SQLSTATE raised when a row does not continue the stored tree. */
export const TREE_BREAK_SQLSTATE = 'RLT01';

const L = LEDGER_SCHEMA;
const ROOT_FN = `${L}.tree_root`;
const FUNCTIONS = ['check_entries', 'check_nodes', 'check_checkpoints'] as const;

function fn(name: string, declare: string, body: string): string {
  return `CREATE FUNCTION ${L}.${name}() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
${declare}
BEGIN
${body}
  RETURN NULL;
END
$$`;
}

function refuse(message: string, args: string): string {
  return `RAISE EXCEPTION '${message}', ${args} USING ERRCODE = '${TREE_BREAK_SQLSTATE}'`;
}

function trigger(table: string, name: string, fnName: string): string {
  return `CREATE TRIGGER ${name} AFTER INSERT ON ${L}.${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${L}.${fnName}()`;
}

export function postgresTreeContinuity(): string[] {
  return [
    // RFC 6962 root of the stored tree of `tree_size` leaves: its peaks (complete subtrees, one per set
    // bit of the size) folded right to left. NULL when a peak is missing.
    `CREATE FUNCTION ${ROOT_FN}(tree_size bigint) RETURNS bytea
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  acc bytea;
  peak bytea;
BEGIN
  FOR lvl IN 0..62 LOOP
    IF (tree_size >> lvl) & 1 = 1 THEN
      SELECT n.hash INTO peak FROM ${L}.ledger_nodes n WHERE n.level = lvl AND n.idx = (tree_size >> (lvl + 1)) << 1;
      IF peak IS NULL THEN RETURN NULL; END IF;
      acc := CASE WHEN acc IS NULL THEN peak ELSE sha256('\\x01'::bytea || peak || acc) END;
    END IF;
  END LOOP;
  RETURN acc;
END
$$`,
    fn(
      'check_entries',
      '  bad bigint;\n  top bigint;',
      `  SELECT min(n.seq) INTO bad FROM new_rows n WHERE n.seq > 0 AND NOT EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq = n.seq - 1);
  IF bad IS NOT NULL THEN
    ${refuse('ledger tree: entry % does not continue the stored entries (entry % is missing)', 'bad, bad - 1')};
  END IF;
  SELECT min(n.seq) INTO bad FROM new_rows n WHERE n.leaf <> sha256('\\x00'::bytea || n.bytes);
  IF bad IS NOT NULL THEN
    ${refuse('ledger tree: entry %: leaf is not the hash of its bytes', 'bad')};
  END IF;
  -- Entries are stored with their checkpoint, in one statement: none may be left unsigned.
  SELECT max(n.seq) INTO top FROM new_rows n;
  IF top >= coalesce((SELECT max(c.size) FROM ${L}.ledger_checkpoints c), 0) THEN
    ${refuse('ledger tree: entry % is not covered by a checkpoint stored by the same statement', 'top')};
  END IF;`,
    ),
    fn(
      'check_nodes',
      '  bad record;',
      `  SELECT n.level, n.idx, CASE WHEN n.level = 0 THEN e.leaf IS NULL ELSE l.hash IS NULL OR r.hash IS NULL END AS missing INTO bad
    FROM new_rows n
    LEFT JOIN ${L}.ledger_entries e ON n.level = 0 AND e.seq = n.idx
    LEFT JOIN ${L}.ledger_nodes l ON n.level > 0 AND l.level = n.level - 1 AND l.idx = n.idx * 2
    LEFT JOIN ${L}.ledger_nodes r ON n.level > 0 AND r.level = n.level - 1 AND r.idx = n.idx * 2 + 1
   WHERE n.hash IS DISTINCT FROM CASE WHEN n.level = 0 THEN e.leaf ELSE sha256('\\x01'::bytea || l.hash || r.hash) END
   LIMIT 1;
  IF FOUND THEN
    ${refuse('ledger tree: node (level %, index %) does not continue the stored tree (%)', "bad.level, bad.idx, CASE WHEN bad.missing THEN 'what it covers is not stored' ELSE 'wrong hash' END")};
  END IF;`,
    ),
    fn(
      'check_checkpoints',
      '  cp record;\n  prev_origin text;',
      `  FOR cp IN SELECT n.size, n.root, n.note FROM new_rows n ORDER BY n.size LOOP
    IF EXISTS (SELECT FROM ${L}.ledger_checkpoints c WHERE c.size > cp.size) THEN
      ${refuse('ledger tree: checkpoint for size % is behind the stored head', 'cp.size')};
    END IF;
    IF NOT EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq = cp.size - 1) OR EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq >= cp.size) THEN
      ${refuse('ledger tree: checkpoint for size % does not match the stored entries', 'cp.size')};
    END IF;
    IF ${ROOT_FN}(cp.size) IS DISTINCT FROM cp.root THEN
      ${refuse('ledger tree: checkpoint for size % has a root the stored tree does not give', 'cp.size')};
    END IF;
    SELECT split_part(c.note, E'\\n', 1) INTO prev_origin FROM ${L}.ledger_checkpoints c WHERE c.size < cp.size ORDER BY c.size DESC LIMIT 1;
    IF split_part(cp.note, E'\\n', 2) <> cp.size::text OR split_part(cp.note, E'\\n', 3) <> encode(cp.root, 'base64')
       OR split_part(cp.note, E'\\n', 1) IS DISTINCT FROM coalesce(prev_origin, split_part(cp.note, E'\\n', 1)) THEN
      ${refuse('ledger tree: checkpoint for size %: its note is not for this origin, size and root', 'cp.size')};
    END IF;
  END LOOP;`,
    ),
    trigger('ledger_entries', 'ledger_entries_continue', 'check_entries'),
    trigger('ledger_nodes', 'ledger_nodes_continue', 'check_nodes'),
    trigger('ledger_checkpoints', 'ledger_checkpoints_continue', 'check_checkpoints'),
    // Triggers fire without EXECUTE; the writer may call only the append guard.
    `REVOKE EXECUTE ON FUNCTION ${ROOT_FN}(bigint) FROM PUBLIC`,
    ...FUNCTIONS.map((f) => `REVOKE EXECUTE ON FUNCTION ${L}.${f}() FROM PUBLIC`),
  ];
}
