// "The ledger verifies in full": every stored entry, checkpoint and key rotation re-verified from the
// trust file's keys, as an auditor's verifier would (a drill check).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillCheck } from '@runledger/core';
import { IntegrityCheck } from '@runledger/store';
import { parseTrustText } from '../../backups/files.js';
import { TRUST_FILE, type LedgerContext } from '../../ledger/service.js';

export async function ledgerVerifiesCheck(ledger: LedgerContext): Promise<DrillCheck> {
  const file = join(ledger.home, TRUST_FILE);
  let trusted;
  try {
    trusted = parseTrustText(await readFile(file, 'utf8'));
  } catch (e) {
    return { name: 'ledger verifies', ok: false, detail: `the trust file ${file} cannot be read: ${(e as Error).message}` };
  }
  const s = await new IntegrityCheck(ledger.store, { trusted }).start();
  if (s.state === 'ok') return { name: 'ledger verifies', ok: true, detail: `${s.verified} entries verified in full from the trust file's keys` };
  const why = s.failure ? `${s.failure.reason} at entry ${s.failure.index}: ${s.failure.detail}` : (s.error ?? s.state);
  return { name: 'ledger verifies', ok: false, detail: why };
}
