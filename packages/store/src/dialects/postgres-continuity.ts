// PostgreSQL triggers that refuse ledger rows which do not continue the stored tree (migration 0007).
// The INSERT-only writer could otherwise brick the ledger with one row: a checkpoint for a size that
// does not exist, a node at a position a later append needs, or an entry past a gap. The functions
// run as the main role (SECURITY DEFINER: the writer cannot SELECT) and nobody may call them directly.
//
// They are AFTER ROW triggers: in the writer's one-statement append the checkpoint row (the main
// query) is inserted before the entries and nodes (its CTEs), and AFTER triggers fire once the whole
// statement is done, so each check sees the entire batch. Whether an entry is covered by a checkpoint
// can only be known at COMMIT: that one is a deferred constraint trigger.
import { LEDGER_SCHEMA } from '../postgres-roles.js';

/** SQLSTATE raised when a row does not continue the stored tree. */
export const TREE_BREAK_SQLSTATE = 'RLT01';

const L = LEDGER_SCHEMA;
const ROOT_FN = `${L}.tree_root`;
const FUNCTIONS = ['check_entry', 'check_entry_signed', 'check_node', 'check_checkpoint'] as const;

function fn(name: string, body: string, declare = ''): string {
  return `CREATE FUNCTION ${L}.${name}() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
${declare ? `DECLARE\n${declare}\n` : ''}BEGIN
${body}
  RETURN NULL;
END
$$`;
}

function refuse(message: string, args: string): string {
  return `RAISE EXCEPTION '${message}', ${args} USING ERRCODE = '${TREE_BREAK_SQLSTATE}'`;
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
      'check_entry',
      `  IF NEW.seq > 0 AND NOT EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq = NEW.seq - 1) THEN
    ${refuse('ledger tree: entry % does not continue the stored entries (entry % is missing)', 'NEW.seq, NEW.seq - 1')};
  END IF;
  IF NEW.leaf <> sha256('\\x00'::bytea || NEW.bytes) THEN
    ${refuse('ledger tree: entry %: leaf is not the hash of its bytes', 'NEW.seq')};
  END IF;`,
    ),
    fn(
      'check_entry_signed',
      `  IF NOT EXISTS (SELECT FROM ${L}.ledger_checkpoints c WHERE c.size > NEW.seq) THEN
    ${refuse('ledger tree: entry % is not covered by a checkpoint stored in the same transaction', 'NEW.seq')};
  END IF;`,
    ),
    fn(
      'check_node',
      `  IF NEW.level = 0 THEN
    SELECT e.leaf INTO want FROM ${L}.ledger_entries e WHERE e.seq = NEW.idx;
  ELSE
    SELECT sha256('\\x01'::bytea || l.hash || r.hash) INTO want
      FROM ${L}.ledger_nodes l, ${L}.ledger_nodes r
     WHERE l.level = NEW.level - 1 AND l.idx = NEW.idx * 2 AND r.level = NEW.level - 1 AND r.idx = NEW.idx * 2 + 1;
  END IF;
  IF want IS NULL OR want <> NEW.hash THEN
    ${refuse('ledger tree: node (level %, index %) does not continue the stored tree (%)', "NEW.level, NEW.idx, CASE WHEN want IS NULL THEN 'what it covers is not stored' ELSE 'wrong hash' END")};
  END IF;`,
      '  want bytea;',
    ),
    fn(
      'check_checkpoint',
      `  IF EXISTS (SELECT FROM ${L}.ledger_checkpoints c WHERE c.size > NEW.size) THEN
    ${refuse('ledger tree: checkpoint for size % is behind the stored head', 'NEW.size')};
  END IF;
  IF NOT EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq = NEW.size - 1) OR EXISTS (SELECT FROM ${L}.ledger_entries e WHERE e.seq >= NEW.size) THEN
    ${refuse('ledger tree: checkpoint for size % does not match the stored entries', 'NEW.size')};
  END IF;
  IF ${ROOT_FN}(NEW.size) IS DISTINCT FROM NEW.root THEN
    ${refuse('ledger tree: checkpoint for size % has a root the stored tree does not give', 'NEW.size')};
  END IF;
  SELECT split_part(c.note, E'\\n', 1) INTO prev_origin FROM ${L}.ledger_checkpoints c WHERE c.size < NEW.size ORDER BY c.size DESC LIMIT 1;
  IF split_part(NEW.note, E'\\n', 2) <> NEW.size::text OR split_part(NEW.note, E'\\n', 3) <> encode(NEW.root, 'base64')
     OR split_part(NEW.note, E'\\n', 1) IS DISTINCT FROM coalesce(prev_origin, split_part(NEW.note, E'\\n', 1)) THEN
    ${refuse('ledger tree: checkpoint for size %: its note is not for this origin, size and root', 'NEW.size')};
  END IF;`,
      '  prev_origin text;',
    ),
    `CREATE TRIGGER ledger_entries_continue AFTER INSERT ON ${L}.ledger_entries FOR EACH ROW EXECUTE FUNCTION ${L}.check_entry()`,
    `CREATE CONSTRAINT TRIGGER ledger_entries_signed AFTER INSERT ON ${L}.ledger_entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${L}.check_entry_signed()`,
    `CREATE TRIGGER ledger_nodes_continue AFTER INSERT ON ${L}.ledger_nodes FOR EACH ROW EXECUTE FUNCTION ${L}.check_node()`,
    `CREATE TRIGGER ledger_checkpoints_continue AFTER INSERT ON ${L}.ledger_checkpoints FOR EACH ROW EXECUTE FUNCTION ${L}.check_checkpoint()`,
    // Triggers fire without EXECUTE; the writer may call only the append guard.
    `REVOKE EXECUTE ON FUNCTION ${ROOT_FN}(bigint) FROM PUBLIC`,
    ...FUNCTIONS.map((f) => `REVOKE EXECUTE ON FUNCTION ${L}.${f}() FROM PUBLIC`),
  ];
}
