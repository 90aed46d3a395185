// The ledger's key rules, in one place: the reserved entry types, how ledger.genesis sets the trusted
// keys, how ledger.key.rotate changes them, and which keys must sign a checkpoint. Pure. The verifier
// replays them over a bundle and the writer applies them before it signs and when it opens, so an
// entry one refuses is one the other rejects.
import { parseVkey, type VerifierKey } from './note.js';

export const GENESIS_TYPE = 'ledger.genesis';
export const ROTATE_TYPE = 'ledger.key.rotate';
export const ANCHOR_TYPE = 'ledger.anchor';
/** Entry types with a meaning to the ledger itself. */
export const RESERVED_TYPES = [GENESIS_TYPE, ROTATE_TYPE, ANCHOR_TYPE] as const;

/** True for the types that change the key set (written only by the writer's init and rotateKey). */
export function isKeyEntryType(type: unknown): boolean {
  return type === GENESIS_TYPE || type === ROTATE_TYPE;
}

export type KeyRuleReason = 'GENESIS_MISMATCH' | 'KEY_ROTATION_INVALID';

export type KeyRuleOutcome =
  | { readonly ok: true; /** Keys this entry added (genesis: all of them). */ readonly added: readonly VerifierKey[] }
  | { readonly ok: false; readonly reason: KeyRuleReason; readonly detail: string };

const NO_CHANGE: KeyRuleOutcome = { ok: true, added: [] };

/** Parses a list of vkeys named after the ledger; a string names the problem. */
export function parseKeyList(v: unknown, origin: string): VerifierKey[] | string {
  if (!Array.isArray(v)) return 'must be a list of verifier keys';
  const out: VerifierKey[] = [];
  for (const s of v) {
    if (typeof s !== 'string') return 'must be a list of verifier keys';
    let k: VerifierKey;
    try {
      k = parseVkey(s);
    } catch (e) {
      return (e as Error).message;
    }
    if (k.name !== origin) return `key ${s} is not named after the ledger ${origin}`;
    out.push(k);
  }
  return out;
}

/**
 * The key state of one ledger, replayed entry by entry. `active` is the key set after every applied
 * entry (it signs the next checkpoint); `checkpointSigners` is the set as of the last checkpoint, of
 * which at least one key must sign the next checkpoint (the handover rule: the checkpoint covering a
 * rotation is signed by an old key). `apply` leaves the ring unchanged when it refuses an entry.
 */
export class KeyRing {
  private constructor(
    readonly origin: string,
    /** Every key the ledger has trusted, in order (old checkpoints stay valid with the keys of their time). */
    private readonly knownKeys: VerifierKey[],
    private current: VerifierKey[],
    private atCheckpoint: VerifierKey[],
  ) {}

  static empty(origin: string): KeyRing {
    return new KeyRing(origin, [], [], []);
  }

  clone(): KeyRing {
    return new KeyRing(this.origin, [...this.knownKeys], [...this.current], [...this.atCheckpoint]);
  }

  get known(): VerifierKey[] {
    return [...this.knownKeys];
  }

  get active(): VerifierKey[] {
    return [...this.current];
  }

  get checkpointSigners(): VerifierKey[] {
    return [...this.atCheckpoint];
  }

  isActive(vkey: string): boolean {
    return this.current.some((k) => k.vkey === vkey);
  }

  /** Applies entry `seq` (its type and data); types that do not touch keys change nothing. */
  apply(seq: number, type: unknown, data: Readonly<Record<string, unknown>>): KeyRuleOutcome {
    if (seq === 0) {
      if (type !== GENESIS_TYPE) return { ok: false, reason: 'GENESIS_MISMATCH', detail: `entry 0 has type ${String(type)}, not ${GENESIS_TYPE}` };
      const keys = parseKeyList(data.keys, this.origin);
      if (typeof keys === 'string') return { ok: false, reason: 'GENESIS_MISMATCH', detail: `genesis data.keys: ${keys}` };
      if (keys.length === 0) return { ok: false, reason: 'GENESIS_MISMATCH', detail: 'genesis lists no keys' };
      this.current = keys;
      this.atCheckpoint = [...keys];
      for (const k of keys) this.remember(k);
      return { ok: true, added: keys };
    }
    if (type === GENESIS_TYPE) return { ok: false, reason: 'GENESIS_MISMATCH', detail: `a second ${GENESIS_TYPE} entry` };
    if (type !== ROTATE_TYPE) return NO_CHANGE;
    const add = parseKeyList(data.add ?? [], this.origin);
    const retire = parseKeyList(data.retire ?? [], this.origin);
    const refuse = (detail: string): KeyRuleOutcome => ({ ok: false, reason: 'KEY_ROTATION_INVALID', detail });
    if (typeof add === 'string') return refuse(`data.add: ${add}`);
    if (typeof retire === 'string') return refuse(`data.retire: ${retire}`);
    if (add.length + retire.length === 0) return refuse('rotation adds and retires nothing');
    for (const r of retire) if (!this.isActive(r.vkey)) return refuse(`retired key ${r.vkey} is not active`);
    for (const a of add) if (this.isActive(a.vkey)) return refuse(`added key ${a.vkey} is already active`);
    const next = [...this.current.filter((k) => !retire.some((r) => r.vkey === k.vkey)), ...add];
    if (next.length === 0) return refuse('rotation leaves no active key');
    this.current = next;
    for (const a of add) this.remember(a);
    return { ok: true, added: add };
  }

  /** A checkpoint was signed at the current position: its key set is the one the next checkpoint needs. */
  checkpointed(): void {
    this.atCheckpoint = [...this.current];
  }

  private remember(k: VerifierKey): void {
    if (!this.knownKeys.some((x) => x.vkey === k.vkey)) this.knownKeys.push(k);
  }
}
