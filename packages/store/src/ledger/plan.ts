// Batch planning: what each queued job becomes (a new entry, a duplicate, or a refusal), and which held
// keys sign. Key rotations and genesis are checked with the ledger's key rules before they are built.
import {
  canonicalize,
  GENESIS_TYPE,
  ROTATE_TYPE,
  type Actor,
  type BuiltEntry,
  type EntryDraft,
  type Hash,
  type KeyRing,
  type SignerKey,
  type Subject,
  type TreeState,
} from '@runledger/ledger';
import { StoreError } from '../errors.js';
import { parseStoredEntry } from './queries.js';
import type { InitOptions, Outcome, RotateOptions } from './types.js';

export type Plan =
  | { readonly draft: EntryDraft; readonly signers?: undefined }
  | { readonly draft: EntryDraft; readonly signers: SignerKey[]; readonly adds: readonly SignerKey[] }
  | { readonly outcome: Outcome }
  | { readonly duplicateOf: BuiltEntry };

/**
 * What idempotency compares: the caller's intent, not seq/ts/prev, nor `data.requestId` (which
 * request wrote it: a retry, or a crash repair, comes from another request and means the same entry).
 */
function intentOf(e: { type: string; actor: Actor; subject?: Subject | undefined; data?: Readonly<Record<string, unknown>> | undefined }): string {
  const { requestId: _provenance, ...data } = e.data ?? {};
  return canonicalize({ type: e.type, actor: e.actor, subject: e.subject ?? null, data });
}

export function rejected(message: string, cause?: unknown): StoreError {
  return new StoreError('ENTRY_REJECTED', message, cause === undefined ? undefined : { cause });
}

function notInitialised(): Plan {
  return { outcome: { error: new StoreError('LEDGER_NOT_INITIALISED', 'the ledger has no genesis entry yet; run init first') } };
}

function conflict(idem: string, seq: number): StoreError {
  return new StoreError(
    'IDEMPOTENCY_CONFLICT',
    `idempotency key ${JSON.stringify(idem)} was already used by entry ${seq} with a different type, actor, subject or data`,
  );
}

export function checkSignerName(s: SignerKey, origin: string): void {
  if (s.name !== origin) {
    throw new StoreError('CONFIG_INVALID', `signing key ${s.vkey} is named ${s.name}, but the ledger origin is ${origin}; key name and origin must be equal`);
  }
}

/** The held keys that sign the next checkpoint. */
export function signersFor(pool: readonly SignerKey[], keys: KeyRing): SignerKey[] {
  return pool.filter((s) => keys.isActive(s.vkey));
}

export function noSignerMessage(pool: readonly SignerKey[], origin: string, keys: KeyRing): string {
  const held = pool.map((s) => s.vkey).join(', ') || 'none';
  return `none of the signing keys held (${held}) is active in ledger ${origin}; active: ${keys.active.map((k) => k.vkey).join(', ') || 'none'}`;
}

/** An ordinary entry: a new draft, a duplicate of a stored or in-batch entry, or an idempotency conflict. */
export function planEntry(
  draft: EntryDraft,
  state: TreeState,
  stored: ReadonlyMap<string, { seq: number; bytes: Uint8Array; leaf: Hash }>,
  inBatch: ReadonlyMap<string, BuiltEntry>,
  headSize: number,
): Plan {
  if (state.size === 0) return notInitialised();
  if (draft.idem === undefined) return { draft };
  const prior = stored.get(draft.idem);
  if (prior) {
    const entry = parseStoredEntry(prior.seq, prior.bytes);
    if (intentOf(entry) !== intentOf(draft)) return { outcome: { error: conflict(draft.idem, prior.seq) } };
    return { outcome: { result: { seq: prior.seq, entry, bytes: prior.bytes, leaf: prior.leaf, checkpointSize: headSize, duplicate: true } } };
  }
  const twin = inBatch.get(draft.idem);
  if (twin) {
    if (intentOf(twin.entry) !== intentOf(draft)) return { outcome: { error: conflict(draft.idem, twin.entry.seq) } };
    return { duplicateOf: twin };
  }
  return { draft };
}

/** Entry 0: refused once anything is stored; signed by the genesis keys. */
export function planGenesis(opts: InitOptions, state: TreeState, storedCount: number, pool: readonly SignerKey[], origin: string, keys: KeyRing): Plan {
  if (state.size > 0 || storedCount > 0) {
    return { outcome: { error: new StoreError('LEDGER_ALREADY_INITIALISED', `the ledger already has ${Math.max(state.size, storedCount)} entries`) } };
  }
  const genesisKeys = [...(opts.genesisKeys ?? pool)];
  if (genesisKeys.length === 0) return { outcome: { error: new StoreError('SIGNER_NOT_ACTIVE', 'init needs at least one genesis signing key') } };
  try {
    for (const k of genesisKeys) checkSignerName(k, origin);
  } catch (e) {
    return { outcome: { error: e as StoreError } };
  }
  const data = { keys: genesisKeys.map((k) => k.vkey) };
  const rule = keys.clone().apply(0, GENESIS_TYPE, data);
  if (!rule.ok) return { outcome: { error: rejected(`genesis refused: ${rule.detail}`) } };
  return {
    draft: { type: GENESIS_TYPE, actor: opts.actor, ...(opts.subject ? { subject: opts.subject } : {}), data },
    signers: genesisKeys,
    adds: genesisKeys,
  };
}

/** A key rotation: old active signers plus the new key sign the checkpoint that covers it. */
export function planRotation(opts: RotateOptions, state: TreeState, keys: KeyRing, signers: readonly SignerKey[]): Plan {
  if (state.size === 0) return notInitialised();
  const { newSigner } = opts;
  const retired = opts.retire === 'all-current' ? keys.active : [...opts.retire];
  const data = { add: [newSigner.vkey], retire: retired.map((k) => k.vkey) };
  // The verifier's rules, on the entry this would append: what they reject is refused here.
  const rule = keys.clone().apply(state.size, ROTATE_TYPE, data);
  if (!rule.ok) return { outcome: { error: rejected(`key rotation refused: ${rule.detail}`) } };
  if (signers.length === 0) {
    return { outcome: { error: new StoreError('SIGNER_NOT_ACTIVE', 'key rotation needs a currently active signing key for the handover signature') } };
  }
  return {
    draft: { type: ROTATE_TYPE, actor: opts.actor, ...(opts.subject ? { subject: opts.subject } : {}), data },
    signers: [...signers, newSigner],
    adds: [newSigner],
  };
}
