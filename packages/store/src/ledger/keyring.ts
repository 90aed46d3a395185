// Which verifier keys a ledger trusts, replayed from its genesis and key-rotation entries.
import { parseVkey, type Entry, type VerifierKey } from '@runledger/ledger';
import { StoreError, messageOf } from '../errors.js';

export const GENESIS_TYPE = 'ledger.genesis';
export const ROTATE_TYPE = 'ledger.key.rotate';

interface Rotation {
  readonly seq: number;
  /** vkeys active just before this rotation. */
  readonly activeBefore: readonly string[];
}

function vkeyList(e: Entry, field: string): VerifierKey[] {
  const v = e.data[field];
  if (!Array.isArray(v) || v.some((k) => typeof k !== 'string')) {
    throw new StoreError('STORE_CORRUPT', `entry ${e.seq} (${e.type}): data.${field} is not a list of verifier keys`);
  }
  return (v as string[]).map((k) => {
    try {
      return parseVkey(k);
    } catch (err) {
      throw new StoreError('STORE_CORRUPT', `entry ${e.seq} (${e.type}): data.${field}: ${messageOf(err)}`, { cause: err });
    }
  });
}

export class KeyRing {
  private constructor(
    /** Every key ever trusted (old checkpoints stay valid with the keys of their time). */
    private readonly knownKeys: Map<string, VerifierKey>,
    private readonly activeKeys: Map<string, VerifierKey>,
    private readonly rotations: Rotation[],
  ) {}

  static empty(): KeyRing {
    return new KeyRing(new Map(), new Map(), []);
  }

  clone(): KeyRing {
    return new KeyRing(new Map(this.knownKeys), new Map(this.activeKeys), [...this.rotations]);
  }

  get known(): VerifierKey[] {
    return [...this.knownKeys.values()];
  }

  get active(): VerifierKey[] {
    return [...this.activeKeys.values()];
  }

  isActive(vkey: string): boolean {
    return this.activeKeys.has(vkey);
  }

  /** Applies a genesis or rotation entry (other types are ignored). */
  apply(e: Entry): void {
    if (e.type === GENESIS_TYPE) {
      if (e.seq !== 0) throw new StoreError('STORE_CORRUPT', `entry ${e.seq} is a ledger.genesis entry; only entry 0 may be`);
      for (const k of vkeyList(e, 'keys')) {
        this.knownKeys.set(k.vkey, k);
        this.activeKeys.set(k.vkey, k);
      }
    } else if (e.type === ROTATE_TYPE) {
      const add = vkeyList(e, 'add');
      const retire = vkeyList(e, 'retire');
      this.rotations.push({ seq: e.seq, activeBefore: [...this.activeKeys.keys()] });
      for (const k of retire) this.activeKeys.delete(k.vkey);
      for (const k of add) {
        this.knownKeys.set(k.vkey, k);
        this.activeKeys.set(k.vkey, k);
      }
    }
  }

  /**
   * Keys of which at least one must have signed a checkpoint of `size` whose predecessor had
   * `prevSize`. If a rotation lies in [prevSize, size), this is the first checkpoint covering it and
   * only keys active before that rotation count (the handover rule); otherwise the active set.
   * The ring must hold exactly the control entries below `size`.
   */
  requiredSignersFor(prevSize: number, size: number): Set<string> {
    const first = this.rotations.find((r) => r.seq >= prevSize && r.seq < size);
    return new Set(first ? first.activeBefore : this.activeKeys.keys());
  }
}
