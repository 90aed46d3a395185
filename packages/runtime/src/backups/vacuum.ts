// SQLite snapshot: VACUUM INTO from its own read-only connection in a worker thread. Measured here,
// better-sqlite3's .backup() restarts on every concurrent write and may never finish; VACUUM INTO reads
// one consistent snapshot and holds no writer up. The worker also reads the copy's latest checkpoint,
// so the manifest describes exactly the snapshot (not the live head, which moves on meanwhile).
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS evaluated in the worker: no TypeScript loader needed there, in source or built form.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const src = new Database(workerData.source, { readonly: true, fileMustExist: true });
try {
  src.pragma('busy_timeout = 5000');
  src.prepare('VACUUM INTO ?').run(workerData.dest);
} finally {
  src.close();
}
const copy = new Database(workerData.dest, { readonly: true, fileMustExist: true });
try {
  const cp = copy.prepare('SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1').get();
  const n = copy.prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM ledger_entries').get();
  parentPort.postMessage({ checkpoint: cp ? { size: Number(cp.size), note: cp.note } : null, entries: Number(n.n) });
} finally {
  copy.close();
}
`;

export interface VacuumResult {
  /** The copy's latest checkpoint row (null: an empty ledger). */
  readonly checkpoint: { readonly size: number; readonly note: string } | null;
  /** Entries in the copy (max seq + 1). */
  readonly entries: number;
}

export type Progress = (done: number, total: number) => void;

function driverPath(): string {
  // better-sqlite3 is the store's dependency: resolve it from there, not from this package.
  const fromStore = createRequire(createRequire(import.meta.url).resolve('@runledger/store'));
  return fromStore.resolve('better-sqlite3');
}

/** Copies `source` into the new file `dest`; `progress` gets the copy's bytes against the source's. */
export async function vacuumInto(source: string, dest: string, progress?: Progress): Promise<VacuumResult> {
  const total = (await stat(source)).size;
  const worker = new Worker(WORKER, { eval: true, workerData: { driver: driverPath(), source, dest } });
  let timer: NodeJS.Timeout | undefined;
  if (progress) {
    progress(0, total);
    timer = setInterval(() => {
      stat(dest).then(
        (s) => progress(Math.min(s.size, total), total),
        () => undefined,
      );
    }, 100);
  }
  try {
    const result = await new Promise<VacuumResult>((resolve, reject) => {
      worker.once('message', (m: VacuumResult) => resolve(m));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the backup worker exited with code ${code} before it answered`)));
    });
    if (progress) progress(total, total);
    return result;
  } finally {
    if (timer) clearInterval(timer);
    await worker.terminate();
  }
}
