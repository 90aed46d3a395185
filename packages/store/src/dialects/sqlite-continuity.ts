// SQLite triggers that refuse ledger rows which do not continue the stored tree (migration 0007),
// the same checks as postgres-continuity.ts. SQLite has no SHA-256, so the hashes come from functions
// this process registers on its connections (registerTreeFunctions); a connection without them (the
// sqlite3 shell, another program) cannot insert into the ledger tables at all: it fails closed.
// SQLite runs triggers row by row, in insertion order, which is the writer's order: entries, then
// nodes by level, then the checkpoint. Whether an entry is covered by a checkpoint cannot be checked
// at COMMIT here (SQLite has no deferred triggers); the writer's startup check refuses an unsigned tail.
import type BetterSqlite3 from 'better-sqlite3';
import { leafHash, nodeHash, toBase64 } from '@runledger/ledger';

const LEAF_FN = 'runledger_leaf_hash';
const NODE_FN = 'runledger_node_hash';
const NOTE_FN = 'runledger_note_continues';

/** Registers the hash and note functions the continuity triggers call. */
export function registerTreeFunctions(raw: BetterSqlite3.Database): void {
  const opts = { deterministic: true } as const;
  raw.function(LEAF_FN, opts, (bytes: unknown) => (Buffer.isBuffer(bytes) ? Buffer.from(leafHash(bytes)) : null));
  raw.function(NODE_FN, opts, (l: unknown, r: unknown) =>
    Buffer.isBuffer(l) && Buffer.isBuffer(r) && l.length === 32 && r.length === 32 ? Buffer.from(nodeHash(l, r)) : null,
  );
  // 1 when the note's first lines are the origin (that of the previous note, if any), size and root.
  raw.function(NOTE_FN, opts, (note: unknown, size: unknown, root: unknown, prev: unknown) => {
    if (typeof note !== 'string' || !Buffer.isBuffer(root)) return 0;
    const [origin, sizeLine, rootLine] = note.split('\n');
    const prevOrigin = typeof prev === 'string' ? prev.split('\n')[0] : origin;
    return origin === prevOrigin && sizeLine === String(size) && rootLine === toBase64(root) ? 1 : 0;
  });
}

function refuse(trigger: string, table: string, when: string, message: string): string {
  return `CREATE TRIGGER ${trigger} AFTER INSERT ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'ledger tree: ${message}'); END`;
}

/** RFC 6962 root of the stored tree of NEW.size leaves: its peaks folded right to left (NULL: a peak is missing). */
const ROOT_OF_NEW_SIZE = `(WITH RECURSIVE bits(l) AS (SELECT 0 UNION ALL SELECT l + 1 FROM bits WHERE l < 62),
  peaks(rn, hash) AS (SELECT row_number() OVER (ORDER BY b.l), n.hash FROM bits b
    LEFT JOIN ledger_nodes n ON n.level = b.l AND n.idx = (NEW.size >> (b.l + 1)) * 2 WHERE (NEW.size >> b.l) & 1),
  fold(rn, acc) AS (SELECT rn, hash FROM peaks WHERE rn = 1
    UNION ALL SELECT p.rn, ${NODE_FN}(p.hash, f.acc) FROM fold f JOIN peaks p ON p.rn = f.rn + 1)
  SELECT acc FROM fold ORDER BY rn DESC LIMIT 1)`;

export function sqliteTreeContinuity(): string[] {
  return [
    refuse(
      'ledger_entries_continue',
      'ledger_entries',
      `(NEW.seq > 0 AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE seq = NEW.seq - 1)) OR NEW.leaf IS NOT ${LEAF_FN}(NEW.bytes)`,
      'entry does not continue the stored entries, or its leaf is not the hash of its bytes',
    ),
    refuse(
      'ledger_nodes_continue',
      'ledger_nodes',
      `NEW.hash IS NOT (CASE WHEN NEW.level = 0 THEN (SELECT leaf FROM ledger_entries WHERE seq = NEW.idx)
        ELSE ${NODE_FN}((SELECT hash FROM ledger_nodes WHERE level = NEW.level - 1 AND idx = NEW.idx * 2),
                        (SELECT hash FROM ledger_nodes WHERE level = NEW.level - 1 AND idx = NEW.idx * 2 + 1)) END)`,
      'node does not continue the stored tree',
    ),
    refuse(
      'ledger_checkpoints_continue',
      'ledger_checkpoints',
      `EXISTS (SELECT 1 FROM ledger_checkpoints WHERE size > NEW.size)
        OR NOT EXISTS (SELECT 1 FROM ledger_entries WHERE seq = NEW.size - 1)
        OR EXISTS (SELECT 1 FROM ledger_entries WHERE seq >= NEW.size)
        OR NEW.root IS NOT ${ROOT_OF_NEW_SIZE}
        OR NOT ${NOTE_FN}(NEW.note, NEW.size, NEW.root, (SELECT note FROM ledger_checkpoints WHERE size < NEW.size ORDER BY size DESC LIMIT 1))`,
      'checkpoint is behind the head, does not match the stored entries, or has a root or note the stored tree does not give',
    ),
  ];
}
