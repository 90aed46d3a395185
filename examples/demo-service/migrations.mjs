// The demo service's schema migrations, shared by ctl.mjs (which applies and downgrades them) and
// server.mjs (whose readiness refuses a schema its version cannot run on). Dependency-free.
//
// Seed 000: an additive change keeps the old image working on the new schema, so a rollback is image-only;
// a destructive one does not, so a rollback first downgrades the schema to an explicit revision.
// `minVersion` on a destructive migration is the first version that runs once it is applied.

export const MIGRATIONS = [
  { id: '0001_initial', kind: 'additive', summary: 'creates items and deploys' },
  { id: '0002_signing_keys', kind: 'additive', summary: 'creates signing_keys' },
  { id: '0003_audit_append_only', kind: 'additive', summary: 'moves the audit table to the append-only role' },
  { id: '0004_add_column', kind: 'additive', summary: 'adds items.note (nullable; older versions ignore it)' },
  {
    id: '0005_drop_legacy',
    kind: 'destructive',
    summary: 'drops items.legacy_ref, which versions before 2.0.0 read',
    minVersion: '2.0.0',
  },
];

export const DEFAULT_MIGRATION_HEAD = '0003_audit_append_only';

/** Position in the chain, or -1 for a revision this table does not know. */
export function migrationIndex(id) {
  return MIGRATIONS.findIndex((m) => m.id === id);
}

function semver(v) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(String(v));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** a < b by X.Y.Z (a pre-release suffix is ignored); null when either is not X.Y.Z. */
function older(a, b) {
  const [x, y] = [semver(a), semver(b)];
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

/**
 * The newest destructive migration at or below `head` that `version` cannot run on, or null. An
 * unknown head or a version that is not X.Y.Z cannot be judged, so it is not refused here.
 */
export function blockingMigration(head, version) {
  const i = migrationIndex(head);
  if (i < 0) return null;
  for (let j = i; j >= 0; j--) {
    const m = MIGRATIONS[j];
    if (m.kind === 'destructive' && m.minVersion && older(version, m.minVersion) === true) return m;
  }
  return null;
}

/** Why `version` cannot run on `head`, with the way out, or null when it can. */
export function incompatibility(head, version) {
  const m = blockingMigration(head, version);
  if (!m) return null;
  const before = MIGRATIONS[migrationIndex(m.id) - 1];
  return (
    `version ${version} cannot run on schema ${head}: ${m.id} is destructive (${m.summary}) and needs ${m.minVersion} or later; ` +
    `downgrade to ${before ? before.id : 'an earlier revision'} first, or deploy ${m.minVersion} or later`
  );
}
