// C2SP tlog-checkpoint: the body of a signed note that commits to a tree size and root.
import { fromBase64, toBase64, type Hash } from './bytes.js';
import { LedgerError } from './errors.js';
import { isValidKeyName, parseNote, signNote, type ParsedNote, type SignerKey } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Hash;
}

export interface SignedCheckpoint extends Checkpoint {
  readonly note: ParsedNote;
  /** The signed note, byte-exact as stored. */
  readonly text: string;
}

export function formatCheckpoint(cp: Checkpoint): string {
  if (!isValidKeyName(cp.origin)) throw new LedgerError('CHECKPOINT_MALFORMED', `origin ${JSON.stringify(cp.origin)} is not valid (no spaces, no '+')`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new LedgerError('CHECKPOINT_MALFORMED', `tree size ${cp.size} is not valid`);
  if (cp.root.byteLength !== 32) throw new LedgerError('CHECKPOINT_MALFORMED', 'root hash must be 32 bytes');
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
}

export function signCheckpoint(cp: Checkpoint, keys: readonly SignerKey[]): string {
  return signNote(formatCheckpoint(cp), keys);
}

/** Parses the checkpoint body of a note's text. Extension lines after the root are allowed by C2SP and kept out of our data. */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  // text ends with '\n', so the last element is ''.
  if (lines.length < 4) throw new LedgerError('CHECKPOINT_MALFORMED', 'checkpoint: expected origin, size and root lines');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidKeyName(origin)) throw new LedgerError('CHECKPOINT_MALFORMED', `checkpoint: invalid origin ${JSON.stringify(origin)}`);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new LedgerError('CHECKPOINT_MALFORMED', `checkpoint: invalid tree size ${JSON.stringify(sizeText)}`);
  }
  const root = fromBase64(rootText);
  if (!root || root.byteLength !== 32) throw new LedgerError('CHECKPOINT_MALFORMED', 'checkpoint: root is not base64 of 32 bytes');
  if (lines[lines.length - 1] !== '') throw new LedgerError('CHECKPOINT_MALFORMED', 'checkpoint: text must end with a newline');
  // C2SP: extension lines are allowed but must not be empty.
  if (lines.slice(3, -1).some((l) => l.length === 0)) throw new LedgerError('CHECKPOINT_MALFORMED', 'checkpoint: empty extension line');
  return { origin, size: Number(sizeText), root };
}

/** Parses a signed checkpoint without checking signatures (see verifier.ts and openNote). */
export function parseSignedCheckpoint(text: string): SignedCheckpoint {
  let note: ParsedNote;
  try {
    note = parseNote(text);
  } catch (e) {
    throw new LedgerError('CHECKPOINT_MALFORMED', (e as Error).message);
  }
  return { ...parseCheckpointText(note.text), note, text };
}
