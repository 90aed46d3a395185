// Ledger export as a tar stream, and server-side verification. Verification runs the standalone
// verifier (the same `runledger-verify` an auditor runs) in a child process on a fresh export,
// against the trust file — so the server checks exactly what an auditor would, and a long
// verification never blocks the event loop.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { VerifyResult } from '@runledger/ledger';
import { exportBundle, RuntimeError, TRUST_FILE, type ExportResult } from '@runledger/runtime';
import type { LedgerReader } from '@runledger/store';
import { tarEnd, tarHeader, tarPadding } from './tar.js';

export interface TempExport {
  readonly dir: string;
  readonly result: ExportResult;
  cleanup(): Promise<void>;
}

/** Exports the ledger (one read snapshot) into a fresh temporary directory. */
export async function exportToTemp(reader: LedgerReader): Promise<TempExport> {
  const base = await mkdtemp(join(tmpdir(), 'runledger-export-'));
  const cleanup = (): Promise<void> => rm(base, { recursive: true, force: true });
  try {
    const dir = join(base, 'runledger-export');
    const result = await exportBundle(reader, dir);
    return { dir, result, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

interface Member {
  readonly rel: string;
  readonly dir: boolean;
  readonly size: number;
}

async function files(dir: string, rel = ''): Promise<Member[]> {
  const out: Member[] = [];
  const names = (await readdir(join(dir, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await stat(join(dir, r));
    if (st.isDirectory()) {
      out.push({ rel: r, dir: true, size: 0 });
      out.push(...(await files(dir, r)));
    } else out.push({ rel: r, dir: false, size: st.size });
  }
  return out;
}

/** The bundle directory as a ustar archive under `root/`: its exact length, and its blocks streamed file by file. */
export async function tarOf(dir: string, root: string, mtime: number): Promise<{ bytes: number; chunks: AsyncGenerator<Buffer> }> {
  const list = await files(dir);
  // A header per member (and the root), file data padded to whole blocks, two end blocks.
  const bytes = 512 + list.reduce((n, f) => n + 512 + (f.dir ? 0 : f.size + tarPadding(f.size).length), 0) + tarEnd().length;
  return { bytes, chunks: tarChunks(dir, list, root, mtime) };
}

async function* tarChunks(dir: string, list: readonly Member[], root: string, mtime: number): AsyncGenerator<Buffer> {
  yield tarHeader(root, 0, { dir: true, mtime });
  for (const f of list) {
    yield tarHeader(`${root}/${f.rel}`, f.size, { dir: f.dir, mtime });
    if (f.dir) continue;
    let n = 0;
    for await (const chunk of createReadStream(join(dir, f.rel))) {
      n += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    // The snapshot is private to this request; a size change means something else wrote to it.
    if (n !== f.size) throw new Error(`export file ${f.rel} changed while archived`);
    yield tarPadding(f.size);
  }
  yield tarEnd();
}

const verifierBin = (): string => join(dirname(createRequire(import.meta.url).resolve('@runledger/ledger/package.json')), 'bin', 'runledger-verify.js');

export type VerifierOutcome = VerifyResult | { readonly ok: false; readonly error: string; readonly detail: string };

/** Runs the standalone verifier on a bundle with the ledger home's trust file. */
export function runVerifier(bundle: string, home: string, timeoutMs = 10 * 60_000): Promise<VerifierOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [verifierBin(), bundle, '--trust', join(home, TRUST_FILE), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e) => reject(new RuntimeError('INTERNAL', `the verifier could not start: ${e.message}`)));
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as VerifierOutcome);
      } catch {
        reject(new RuntimeError('INTERNAL', `the verifier ended (${signal ?? `exit ${code}`}) without a result: ${err.trim().slice(0, 500)}`));
      }
    });
  });
}
