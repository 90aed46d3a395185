// The backup manifest (runledger.backup/v1): what a backup directory holds and the ledger head it was
// taken at. Restore trusts nothing in a backup that this model and the file digests do not vouch for.
import { bytesEqual, fromBase64, parseSignedCheckpoint } from '@runledger/ledger';

export const BACKUP_FORMAT = 'runledger.backup/v1';
export const BACKUP_MANIFEST_FILE = 'MANIFEST.json';

export type BackupDialect = 'sqlite' | 'postgres';
/**
 * database: a SQLite file; dump: a pg_dump custom-format archive; trust: the trust file; vkey: one public
 * key; skey-encrypted: one private key sealed with a passphrase (sealed.ts), only when asked for.
 */
export type BackupFileRole = 'database' | 'dump' | 'trust' | 'vkey' | 'skey-encrypted';

export interface BackupFile {
  /** Relative to the backup directory, '/'-separated, no '..'. */
  readonly path: string;
  readonly role: BackupFileRole;
  /** Lowercase hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface BackupLedgerHead {
  readonly origin: string;
  readonly size: number;
  /** Base64 root of the tree of `size` entries. */
  readonly root: string;
  /** The signed checkpoint note covering `size`, byte-exact. */
  readonly checkpoint: string;
}

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  /** The backup directory's name, e.g. 20261207T195843Z-1a2b3c. */
  readonly id: string;
  readonly createdAt: string;
  readonly dialect: BackupDialect;
  readonly files: readonly BackupFile[];
  readonly ledger: BackupLedgerHead;
  /** private is true when the backup holds sealed private keys (role skey-encrypted), false otherwise. */
  readonly keys: { readonly private: boolean };
}

export type ManifestCheck = { readonly ok: true; readonly manifest: BackupManifest } | { readonly ok: false; readonly problems: readonly string[] };

const HEX64 = /^[0-9a-f]{64}$/;
const ROLES: ReadonlySet<string> = new Set<BackupFileRole>(['database', 'dump', 'trust', 'vkey', 'skey-encrypted']);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** A safe relative path: no absolute path, backslash, empty, '.' or '..' segment. */
export function isSafeBackupPath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed MANIFEST.json; lists every problem rather than the first. */
export function checkBackupManifest(value: unknown): ManifestCheck {
  const problems: string[] = [];
  if (!isObject(value)) return { ok: false, problems: ['the manifest is not a JSON object'] };
  const m = value;
  if (m.format !== BACKUP_FORMAT) problems.push(`format is ${JSON.stringify(m.format)}, expected ${BACKUP_FORMAT}`);
  if (typeof m.id !== 'string' || !isSafeBackupPath(m.id) || m.id.includes('/')) problems.push('id must be a plain directory name');
  if (typeof m.createdAt !== 'string' || !ISO_UTC.test(m.createdAt) || Number.isNaN(Date.parse(m.createdAt)))
    problems.push('createdAt must be an ISO 8601 UTC time');
  if (m.dialect !== 'sqlite' && m.dialect !== 'postgres') problems.push(`dialect is ${JSON.stringify(m.dialect)}, expected sqlite or postgres`);
  if (!isObject(m.keys) || typeof m.keys.private !== 'boolean') problems.push('keys.private must be a boolean');

  if (!Array.isArray(m.files)) problems.push('files must be an array');
  else {
    const seen = new Set<string>();
    m.files.forEach((f: unknown, i) => {
      if (!isObject(f)) return void problems.push(`files[${i}] is not an object`);
      if (typeof f.path !== 'string' || !isSafeBackupPath(f.path)) problems.push(`files[${i}].path is not a safe relative path`);
      else if (seen.has(f.path)) problems.push(`files[${i}].path ${f.path} is listed twice`);
      else seen.add(f.path);
      if (f.path === BACKUP_MANIFEST_FILE) problems.push(`files[${i}]: the manifest cannot list itself`);
      if (typeof f.role !== 'string' || !ROLES.has(f.role)) problems.push(`files[${i}].role ${JSON.stringify(f.role)} is unknown`);
      if (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) problems.push(`files[${i}].sha256 is not 64 lowercase hex digits`);
      if (typeof f.bytes !== 'number' || !Number.isSafeInteger(f.bytes) || f.bytes < 0) problems.push(`files[${i}].bytes is not a non-negative integer`);
    });
    const data = m.files.filter((f: unknown) => isObject(f) && (f.role === 'database' || f.role === 'dump'));
    const want = m.dialect === 'postgres' ? 'dump' : 'database';
    if (data.length !== 1 || (data[0] as Record<string, unknown>).role !== want) problems.push(`a ${String(m.dialect)} backup holds exactly one ${want} file`);
    if (m.files.filter((f: unknown) => isObject(f) && f.role === 'trust').length !== 1) problems.push('a backup holds exactly one trust file');
    // The flag and the files say the same: a restore decides from the flag whether a passphrase is needed.
    const sealed = m.files.filter((f: unknown) => isObject(f) && f.role === 'skey-encrypted').length;
    if (isObject(m.keys) && m.keys.private === true && sealed === 0) problems.push('keys.private is true but no file has role skey-encrypted');
    if (isObject(m.keys) && m.keys.private === false && sealed > 0) problems.push(`keys.private is false but ${sealed} file(s) have role skey-encrypted`);
  }
  problems.push(...ledgerProblems(m.ledger));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest: value as unknown as BackupManifest };
}

/** The head must be self-consistent: its checkpoint note states the same origin, size and root. */
function ledgerProblems(l: unknown): string[] {
  if (!isObject(l)) return ['ledger must be an object'];
  const out: string[] = [];
  if (typeof l.origin !== 'string' || l.origin === '') out.push('ledger.origin must be a non-empty string');
  if (typeof l.size !== 'number' || !Number.isSafeInteger(l.size) || l.size < 1) out.push('ledger.size must be a positive integer');
  const root = typeof l.root === 'string' ? fromBase64(l.root) : undefined;
  if (!root || root.length !== 32) out.push('ledger.root must be a base64 SHA-256 hash');
  if (typeof l.checkpoint !== 'string') return [...out, 'ledger.checkpoint must be the signed checkpoint text'];
  try {
    const cp = parseSignedCheckpoint(l.checkpoint);
    if (cp.origin !== l.origin) out.push(`ledger.checkpoint is for origin ${cp.origin}, not ${String(l.origin)}`);
    if (cp.size !== l.size) out.push(`ledger.checkpoint states size ${cp.size}, not ${String(l.size)}`);
    if (root && !bytesEqual(cp.root, root)) out.push('ledger.checkpoint states another root than ledger.root');
  } catch (e) {
    out.push(`ledger.checkpoint does not parse: ${(e as Error).message}`);
  }
  return out;
}

/** The manifest's file bytes: stable key order and a final newline, so its digest is reproducible. */
export function formatBackupManifest(m: BackupManifest): string {
  const ordered: BackupManifest = {
    format: m.format,
    id: m.id,
    createdAt: m.createdAt,
    dialect: m.dialect,
    files: m.files.map((f) => ({ path: f.path, role: f.role, sha256: f.sha256, bytes: f.bytes })),
    ledger: { origin: m.ledger.origin, size: m.ledger.size, root: m.ledger.root, checkpoint: m.ledger.checkpoint },
    keys: { private: m.keys.private },
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A backup id from its creation time: sortable, and unique with the suffix. */
export function backupId(createdAt: Date, suffix: string): string {
  return `${createdAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${suffix}`;
}
