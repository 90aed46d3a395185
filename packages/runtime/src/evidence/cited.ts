// Cited entries: other ledger entries a bundle carries (a release's gate runs), each as
// `ledger/<index>.json` (its bytes) beside `ledger/<index>.tlog-proof` (its receipt); the layout and
// its check live in @runledger/ledger (evidence-cited.ts).
import { citedEntryPaths, parseReceipt } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import type { EvidenceLedger } from './ledger.js';
import type { BundleFile } from './files.js';

/**
 * The files citing these entries, all proven under one checkpoint: the latest when the first receipt
 * is taken, so an auditor sees one tree size. Duplicated indices are cited once.
 */
export async function* citedEntryFiles(indices: Iterable<number>, receipt: EvidenceLedger['receipt']): AsyncGenerator<BundleFile> {
  let size: number | undefined;
  for (const index of [...new Set(indices)].sort((a, b) => a - b)) {
    const text = await receipt(index, size);
    const r = parseReceipt(text);
    if (r.index !== index || !r.entry)
      throw new RuntimeError('INTERNAL', `the receipt asked for entry ${index} proves entry ${r.index}${r.entry ? '' : ' without its bytes'}`);
    size ??= r.checkpoint.size;
    const paths = citedEntryPaths(index);
    yield { path: paths.entry, bytes: r.entry };
    yield { path: paths.receipt, bytes: text };
  }
}
