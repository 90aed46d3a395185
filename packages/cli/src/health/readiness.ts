// Runledger's own readiness, for the `ready: runledger` checklist items: checked locally on the data
// directory, or asked of a running server's /ready.
import { join } from 'node:path';
import { bytesEqual, parseNote, toBase64 } from '@runledger/ledger';
import type { LedgerContext } from '@runledger/runtime';
import { loadSigners, MIGRATION_HEAD } from '@runledger/store';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function named(name: string, fn: () => Promise<string>): Promise<ReadinessCheck> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (e) {
    return { name, ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Runledger's readiness without a server, from this data directory: the database answers and takes
 * writes, its migration head is this build's, the stored tree gives the latest signed checkpoint's
 * root, and the key that signed that checkpoint is here. (The server's /ready adds its own: the
 * background integrity check and the run worker; `--server URL` asks it instead.)
 */
export async function localReadiness(ledger: LedgerContext): Promise<ReadinessCheck[]> {
  const store = ledger.store;
  return Promise.all([
    named('database-writable', () => store.checkWritable()),
    named('migrations', async () => {
      const head = await store.migrationHead();
      if (head !== MIGRATION_HEAD) throw new Error(`migration head is ${head ?? 'none'}, this build expects ${MIGRATION_HEAD}`);
      return `head ${head}`;
    }),
    named('ledger-root', async () => {
      const cp = await ledger.reader.latestCheckpoint();
      if (!cp) throw new Error('the ledger has no signed checkpoint');
      const root = await ledger.reader.rootAt(cp.size);
      if (!bytesEqual(root, cp.root))
        throw new Error(`stored nodes give root ${toBase64(root)} at size ${cp.size}; the signed checkpoint says ${toBase64(cp.root)}`);
      return `size ${cp.size}, root matches the latest checkpoint`;
    }),
    named('signing-key', async () => {
      const cp = await ledger.reader.latestCheckpoint();
      if (!cp) throw new Error('the ledger has no signed checkpoint');
      const signers = await loadSigners(ledger.home);
      const sigs = parseNote(cp.note).signatures;
      const here = signers.filter((k) => sigs.some((s) => s.name === k.name && s.keyId === k.keyId));
      if (here.length === 0) throw new Error(`no key file in ${join(ledger.home, 'keys')} holds a key that signed the latest checkpoint`);
      return `${here.length} key file(s) hold a key that signed the latest checkpoint`;
    }),
  ]);
}

/** GET URL/ready of a running server. */
export async function serverReadiness(base: string): Promise<{ ready: boolean; failed: string[] }> {
  const url = new URL('ready', base.endsWith('/') ? base : `${base}/`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { ready?: boolean; checks?: { name: string; ok: boolean }[] };
    return { ready: body.ready === true, failed: (body.checks ?? []).filter((c) => !c.ok).map((c) => c.name) };
  } catch (e) {
    return { ready: false, failed: [`GET ${url.toString()} failed: ${e instanceof Error ? e.message : String(e)}`] };
  }
}
