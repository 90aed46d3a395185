// Ledger application services: what `runledger init`, `ledger …`, `keys rotate` and (later) the server
// do, composed from the store and the pure core. File writes here are whole-or-nothing.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import {
  ANCHOR_TYPE,
  CHECKPOINTS_DIR,
  ENTRIES_FILE,
  MANIFEST_FILE,
  checkpointFileName,
  formatReceipt,
  generateSigner,
  isValidKeyName,
  LedgerError,
  manifestBytes,
  ROTATE_TYPE,
  toBase64,
  type Actor,
  type Hash,
  type SignerKey,
} from '@runledger/ledger';
import {
  LedgerReader,
  LedgerWriter,
  loadSigners,
  openStore,
  resolveConfig,
  StoreError,
  writeKeyFile,
  type Env,
  type Store,
  type StoredCheckpoint,
} from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { screenEntry } from '../redact.js';

export const TRUST_FILE = 'trust.vkeys';

export interface LedgerLocation {
  readonly env?: Env;
  /** Data directory; overrides RUNLEDGER_HOME. */
  readonly home?: string;
  readonly cwd?: string;
}

export interface LedgerContext {
  readonly store: Store;
  readonly reader: LedgerReader;
  readonly origin: string;
  readonly home: string;
  /** Present when opened for writing. */
  readonly writer?: LedgerWriter;
  close(): Promise<void>;
}

/** The operator behind a CLI call: RUNLEDGER_ACTOR, else the OS user. */
export function defaultActor(env: Env): Actor {
  const id = env.RUNLEDGER_ACTOR ?? safeUser();
  return { kind: 'user', id };
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A default origin: URL-like, no spaces or '+'. */
export function defaultOrigin(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-') || 'localhost';
  return `${host}/runledger`;
}

export interface InitResult {
  readonly origin: string;
  readonly home: string;
  readonly vkey: string;
  readonly keyFile: string;
  readonly trustFile: string;
  readonly size: number;
  readonly root: string;
}

/** Creates the store, the first signing key, the genesis entry and DIR/trust.vkeys. */
export async function initLedger(loc: LedgerLocation, opts: { origin?: string; actor: Actor }): Promise<InitResult> {
  const origin = opts.origin ?? defaultOrigin();
  if (!isValidKeyName(origin))
    throw new RuntimeError('USAGE', `--origin ${JSON.stringify(origin)}: an origin has no spaces and no '+', e.g. ops.example.com/prod`);
  const config = resolveConfig({ env: loc.env ?? process.env, ...(loc.home ? { home: loc.home } : {}), ...(loc.cwd ? { cwd: loc.cwd } : {}) });
  const store = await openStore(config);
  try {
    const reader = new LedgerReader(store);
    if ((await reader.head()).size > 0) {
      throw new StoreError('LEDGER_ALREADY_INITIALISED', `${config.home} already holds a ledger; nothing was changed`);
    }
    const signer = generateSigner(origin);
    const keyFile = await writeKeyFile(config.home, signer);
    let writer: LedgerWriter | undefined;
    try {
      writer = await LedgerWriter.open({ store, origin, signers: [signer] });
      await writer.init({ actor: opts.actor });
      const trustFile = join(config.home, TRUST_FILE);
      await writeFile(
        trustFile,
        `# Trusted verifier keys of ledger ${origin} (one vkey a line).\n# Keep a copy outside this machine: auditors verify exports against it.\n${signer.vkey}\n`,
        { mode: 0o644 },
      );
      const head = await reader.head();
      return { origin, home: config.home, vkey: signer.vkey, keyFile, trustFile, size: head.size, root: toBase64(head.root) };
    } catch (e) {
      // Leave no key behind that signs nothing.
      if (!writer?.initialised) await rm(keyFile, { force: true });
      throw e;
    } finally {
      await writer?.close();
    }
  } finally {
    await store.close();
  }
}

/** Opens an initialised ledger; with `write`, loads the key files and runs the writer's startup check. */
export async function openLedger(loc: LedgerLocation, opts: { write: boolean; startupCheck?: 'peaks' | 'full' }): Promise<LedgerContext> {
  const config = resolveConfig({ env: loc.env ?? process.env, ...(loc.home ? { home: loc.home } : {}), ...(loc.cwd ? { cwd: loc.cwd } : {}) });
  // Only `init` creates a database: opening one that is not there says where it looked.
  const store = await openStore(config, { create: false });
  try {
    const reader = new LedgerReader(store);
    const genesis = await reader.entry(0);
    if (!genesis) {
      throw new StoreError('LEDGER_NOT_INITIALISED', `no ledger in ${config.kind === 'sqlite' ? config.file : 'the database'}: run \`runledger init\` first`);
    }
    const origin = genesis.entry.ledger;
    let writer: LedgerWriter | undefined;
    // 'peaks' checks the latest checkpoint against the stored peaks and last entry (O(log n)); 'full'
    // re-hashes every entry (O(n)), for long-lived processes and `runledger ledger check`.
    // The screen refuses any entry holding a secret of a run this process drives (the last line of defence).
    if (opts.write)
      writer = await LedgerWriter.open({
        store,
        origin,
        signers: await loadSigners(config.home),
        startupCheck: opts.startupCheck ?? 'peaks',
        screen: screenEntry,
      });
    return {
      store,
      reader,
      origin,
      home: config.home,
      ...(writer ? { writer } : {}),
      close: async () => {
        await writer?.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

export interface RotateResult {
  readonly vkey: string;
  readonly retired: readonly string[];
  readonly seq: number;
  readonly keyFile: string;
  readonly checkpointSize: number;
}

/** Generates a new signing key, appends ledger.key.rotate and a dual-signed handover checkpoint. */
export async function rotateSigningKey(ctx: LedgerContext, actor: Actor): Promise<RotateResult> {
  const writer = requireWriter(ctx);
  const retired = writer.activeKeys.map((k) => k.vkey);
  const newSigner: SignerKey = generateSigner(ctx.origin);
  const keyFile = await writeKeyFile(ctx.home, newSigner);
  let r;
  try {
    r = await writer.rotateKey({ newSigner, retire: 'all-current', actor });
  } catch (e) {
    await rm(keyFile, { force: true });
    throw e;
  }
  // The new key joins the local trust file; auditors' older copies still verify through the handover.
  await appendFile(join(ctx.home, TRUST_FILE), `${newSigner.vkey}\n`);
  return { vkey: newSigner.vkey, retired, seq: r.seq, keyFile, checkpointSize: r.checkpointSize };
}

function requireWriter(ctx: LedgerContext): LedgerWriter {
  if (!ctx.writer) throw new RuntimeError('INTERNAL', 'ledger opened read-only');
  return ctx.writer;
}

/** A tlog-proof receipt for entry `index` under the checkpoint of `size` (default: the latest). */
export async function receiptFor(reader: LedgerReader, index: number, size?: number): Promise<string> {
  const cp = await checkpointOrThrow(reader, size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) {
    throw new LedgerError('PROOF_RANGE', `index ${index} is not an entry of the tree of size ${cp.size}`);
  }
  const entry = await reader.entry(index);
  if (!entry) throw new RuntimeError('INTERNAL', `entry ${index} is missing below checkpoint ${cp.size}`);
  const proof = await reader.inclusionProof(index, cp.size);
  return formatReceipt({ entry: entry.bytes, index, proof, checkpointNote: cp.note });
}

/** Consistency proof between two checkpointed sizes, with both checkpoints. */
export async function consistencyFor(reader: LedgerReader, m: number, n?: number): Promise<{ from: StoredCheckpoint; to: StoredCheckpoint; proof: Hash[] }> {
  const to = await checkpointOrThrow(reader, n);
  const from = await checkpointOrThrow(reader, m);
  if (from.size > to.size) throw new RuntimeError('USAGE', `--from ${m} is larger than --to ${to.size}`);
  return { from, to, proof: await reader.consistencyProof(from.size, to.size) };
}

async function checkpointOrThrow(reader: LedgerReader, size: number | undefined): Promise<StoredCheckpoint> {
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1)) throw new RuntimeError('USAGE', `tree size ${size} must be a positive integer`);
  const cp = size === undefined ? await reader.latestCheckpoint() : await reader.checkpoint(size);
  if (!cp) {
    if (size === undefined) throw new RuntimeError('NOT_CHECKPOINTED', 'the ledger has no checkpoint yet');
    const sizes = await reader.checkpoints();
    const near = sizes.filter((s) => s <= size).at(-1);
    throw new RuntimeError(
      'NOT_CHECKPOINTED',
      `no signed checkpoint of size ${size}${near ? ` (the nearest below is ${near})` : ''}; proofs are only given for signed sizes`,
    );
  }
  return cp;
}

export interface ExportResult {
  readonly dir: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly checkpoints: number;
}

/**
 * Writes a runledger-export/1 bundle. One read transaction, so the latest checkpoint covers the last
 * entry; written into a temporary sibling directory and renamed into place at the end.
 */
export async function exportBundle(
  reader: LedgerReader,
  target: string,
  opts: { progress?: (done: number, total: number) => void } = {},
): Promise<ExportResult> {
  const dir = resolve(target);
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (existing && existing.length > 0) throw new RuntimeError('EXPORT_TARGET_EXISTS', `${dir} exists and is not empty; choose a new directory`);
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${Date.now()}`);
  await mkdir(join(tmp, CHECKPOINTS_DIR), { recursive: true });
  try {
    const result = await reader.exportSnapshot(async (snap) => {
      const latest = await snap.latestCheckpoint();
      if (!latest) throw new RuntimeError('NOT_CHECKPOINTED', 'the ledger has no checkpoint yet');
      const wanted = new Set<number>([latest.size]);
      const rotations: number[] = [];
      const out = createWriteStream(join(tmp, ENTRIES_FILE));
      let done = 0;
      const nl = Buffer.from('\n');
      // Page by seq without a gap check: a damaged store is exported as it is, so the verifier, not
      // the exporter, names the damage (reason and index).
      for (let next = 0; next < latest.size;) {
        const page = await snap.entries(next, Math.min(1000, latest.size - next));
        if (page.length === 0) break;
        for (const e of page) {
          if (e.seq >= latest.size) break;
          if (e.entry.type === ROTATE_TYPE) rotations.push(e.seq);
          if (e.entry.type === ANCHOR_TYPE && Number.isSafeInteger(e.entry.data.checkpointSize)) wanted.add(e.entry.data.checkpointSize as number);
          if (!out.write(e.bytes)) await once(out, 'drain');
          out.write(nl);
          done++;
          if (opts.progress && done % 10_000 === 0) opts.progress(done, latest.size);
        }
        next = page[page.length - 1]!.seq + 1;
      }
      out.end();
      await once(out, 'finish');
      opts.progress?.(done, latest.size);
      for (const seq of rotations) {
        const cp = await snap.checkpointCovering(seq);
        if (cp) wanted.add(cp.size);
      }
      let written = 0;
      for (const size of [...wanted].sort((a, b) => a - b)) {
        const cp = size === latest.size ? latest : await snap.checkpoint(size);
        if (!cp || cp.size > latest.size) continue;
        await writeFile(join(tmp, CHECKPOINTS_DIR, checkpointFileName(cp.size)), cp.note);
        written++;
      }
      const genesis = await snap.entry(0);
      const origin = genesis!.entry.ledger;
      await writeFile(join(tmp, MANIFEST_FILE), manifestBytes(origin, latest.size));
      return { dir, origin, size: latest.size, root: toBase64(latest.root), checkpoints: written };
    });
    if (existing) await rm(dir, { recursive: true });
    await rename(tmp, dir);
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** The data directory a location resolves to (the --data-dir flag, else RUNLEDGER_HOME, else ./.runledger). */
export function resolveLedgerHome(loc: LedgerLocation): string {
  return resolveConfig({ env: loc.env ?? process.env, ...(loc.home ? { home: loc.home } : {}), ...(loc.cwd ? { cwd: loc.cwd } : {}) }).home;
}
