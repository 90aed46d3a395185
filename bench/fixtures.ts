// Synthetic ledgers for benchmarks, built with the pure core (no database): realistic entry shapes.
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEntry, checkpointFileName, generateSigner, GENESIS_TYPE, manifestBytes, signCheckpoint, TreeState, type SignerKey } from '@runledger/ledger';

export interface GeneratedBundle {
  readonly dir: string;
  readonly size: number;
  readonly signer: SignerKey;
  readonly trustFile: string;
}

/** Writes a runledger-export/1 bundle of `n` entries (genesis + run-step-like entries). */
export function generateBundle(dir: string, n: number, origin = 'bench.runledger.local/ledger'): GeneratedBundle {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const signer = generateSigner(origin);
  const tree = TreeState.empty();
  const fd = openSync(join(dir, 'entries.jsonl'), 'w');
  const t0 = Date.parse('2026-11-01T00:00:00.000Z');
  const parts: Uint8Array[] = [];
  let pending = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    writeSync(fd, Buffer.concat(parts));
    parts.length = 0;
    pending = 0;
  };
  for (let i = 0; i < n; i++) {
    const draft =
      i === 0
        ? { type: GENESIS_TYPE, actor: { kind: 'system' as const, id: 'runledger' }, data: { keys: [signer.vkey] } }
        : {
            type: i % 2 === 1 ? 'run.step.started' : 'run.step.finished',
            actor: { kind: 'service' as const, id: 'engine' },
            subject: { kind: 'run', id: `run-${Math.floor(i / 20)}` },
            data: {
              step: `step-${i % 20}`,
              exitCode: 0,
              durationMs: i % 997,
              stdoutSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
            },
          };
    const b = buildEntry(draft, i, origin, tree.root(), new Date(t0 + i));
    tree.appendLeaf(b.leaf);
    parts.push(b.bytes, Buffer.from('\n'));
    if (++pending >= 4096) flush();
  }
  flush();
  closeSync(fd);
  writeFileSync(join(dir, 'checkpoints', checkpointFileName(n)), signCheckpoint({ origin, size: n, root: tree.root() }, [signer]));
  writeFileSync(join(dir, 'MANIFEST.json'), manifestBytes(origin, n));
  const trustFile = join(dir, '..', 'trust.vkeys');
  writeFileSync(trustFile, `${signer.vkey}\n`);
  return { dir, size: n, signer, trustFile };
}

/** One trivial step: the runbook the API and backup benches seed their runs with. */
export const NOOP_RUNBOOK = `---
id: bench-noop
title: One trivial step
---

# One trivial step

## Procedure

\`\`\`sh {#noop}
true
\`\`\`
`;
