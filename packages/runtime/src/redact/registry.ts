// The last line of defence: the secret values of the runs this process is driving, held process-wide
// while they run, so the ledger writer refuses an entry that holds one in any form the Redactor knows,
// whichever code path built the entry (a detail nobody redacted, a lock name rendered from a secret, an
// operator's comment). Values are only held in memory, never written anywhere.
import type { Entry } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import { Redactor } from './index.js';

/** Value → how many holders (runs) hold it. */
const held = new Map<string, number>();
/** A Redactor over every held value, rebuilt only when the set changes. */
let current: Redactor | null = null;

/** Holds the values until the returned release is called (each release counts once). */
export function holdSecrets(values: Iterable<string | undefined>): () => void {
  const mine = [...new Set([...values].filter((v): v is string => typeof v === 'string' && v.length > 0))];
  for (const v of mine) held.set(v, (held.get(v) ?? 0) + 1);
  if (mine.length > 0) current = null;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const v of mine) {
      const n = (held.get(v) ?? 1) - 1;
      if (n <= 0) held.delete(v);
      else held.set(v, n);
    }
    if (mine.length > 0) current = null;
  };
}

/** Runs `fn` with the values held: released when it settles, however it ends. */
export async function withSecrets<T>(values: Iterable<string | undefined>, fn: () => Promise<T>): Promise<T> {
  const release = holdSecrets(values);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** How many distinct values are held now (for tests and diagnostics; never the values). */
export function heldSecretCount(): number {
  return held.size;
}

/**
 * The ledger writer's screen (LedgerWriterOptions.screen): refuses an entry whose canonical bytes hold
 * a held secret in any form. The message names the entry, never the value or the form.
 */
export function screenEntry(entry: Entry, canonicalBytes: Uint8Array): void {
  if (held.size === 0) return;
  current ??= new Redactor(held.keys());
  if (!current.finds(canonicalBytes)) return;
  const subject = entry.subject ? ` about ${entry.subject.kind} ${entry.subject.id}` : '';
  throw new RuntimeError(
    'SECRET_IN_ENTRY',
    `ledger entry ${entry.type}${subject} holds the value of a secret of a run in progress (in some form): refused, nothing was stored`,
  );
}
