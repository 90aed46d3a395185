// A release's evidence bundle (seed 001: per-release evidence): the release record and its timeline,
// the ledger entries of its own facts and of its gate, deploy and rollback runs (each with its inclusion
// receipt), the alerts and incidents of the release window, the SLO report for it, drill results and
// hand-offs from the window, and the deployment manifest digest mapped to its rollback artifact. Written
// by the shared evidence writer; `runledger-verify evidence` checks it offline.
import { RELEASE_EVIDENCE_KIND, type Actor } from '@runledger/ledger';
import type { Release } from '@runledger/core';
import { IncidentStore, LedgerReader, SilenceStore, type Store, type StoredEntry } from '@runledger/store';
import { writeEvidenceBundle, type EvidenceLedger, type WrittenEvidence } from '../evidence/index.js';
import type { ReleaseService } from './service.js';

export interface ReleaseEvidenceOptions {
  readonly dir: string;
  readonly actor: Actor;
  readonly ledger: EvidenceLedger;
  /** The SLO report for the window, when the caller can compute one (it needs the health service). */
  readonly slo?: unknown;
  readonly onProgress?: (done: { readonly files: number; readonly bytes: number }) => void;
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
const SEARCH_LIMIT = 10_000;

/** Every entry matching a search, oldest first (pages through the ledger's newest-first search). */
async function allEntries(reader: LedgerReader, f: Omit<Parameters<LedgerReader['search']>[0], 'limit' | 'before'>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await reader.search({ ...f, limit: 1000, scanLimit: 1_000_000, ...(before !== undefined ? { before } : {}) });
    out.push(...page.entries);
    if (page.next === null || out.length >= SEARCH_LIMIT) break;
    before = page.next;
  }
  return out.reverse();
}

/** The window the release's evidence covers: from its creation to its last change (or now). */
export function releaseWindow(r: Release, now: string): { from: string; to: string } {
  const end = r.rollback?.finishedAt ?? r.announcedAt ?? r.failedAt;
  return { from: r.createdAt, to: end !== undefined && end > r.updatedAt ? end : r.state === 'verifying' || r.state === 'deploying' ? now : r.updatedAt };
}

export async function writeReleaseEvidence(
  svc: ReleaseService,
  store: Store,
  idOrPrefix: string,
  o: ReleaseEvidenceOptions,
): Promise<WrittenEvidence & { release: Release }> {
  const loaded = await svc.load(idOrPrefix);
  const r = loaded.release;
  const now = svc.now();
  const window = releaseWindow(r, now);
  const reader = new LedgerReader(store);
  const facts = await svc.releases.facts(r.id);

  // The release's own entries, and every entry of the runs it started (deploy, gates, rollback).
  const own = await allEntries(reader, { idemPrefix: `release:${r.id}:` });
  const runIds = [r.deployRunId, ...r.gates.map((g) => g.runId), r.rollback?.runId].filter((x): x is string => x !== undefined);
  const runs: Record<string, number[]> = {};
  for (const id of runIds) runs[id] = (await allEntries(reader, { idemPrefix: `run:${id}:` })).map((e) => e.seq);
  const cite = [...own.map((e) => e.seq), ...Object.values(runs).flat()];

  const incidents = (await new IncidentStore(store).list({ limit: 1000 })).filter((i) => {
    const labels = (i.context as { labels?: Readonly<Record<string, string>> } | null)?.labels;
    return labels?.['service'] === r.service && i.openedAt >= window.from && i.openedAt <= window.to;
  });
  const handoffs = (await new SilenceStore(store).handoffs(undefined, 1000)).filter((h) => h.at >= window.from && h.at <= window.to);
  const drills = await allEntries(reader, { typePrefix: 'drill.', since: window.from, until: window.to });
  const target = r.rollback
    ? await svc.get(r.rollback.to).catch(() => undefined)
    : r.previous !== undefined
      ? await svc.get(r.previous).catch(() => undefined)
      : undefined;

  const files = [
    { path: 'release.json', bytes: json({ release: r, pendingRollback: loaded.pending, window }) },
    { path: 'timeline.json', bytes: json(facts) },
    { path: 'runs.json', bytes: json({ description: 'ledger entries (seq) of each run the release started; each is under ledger/', runs }) },
    { path: 'incidents.json', bytes: json(incidents.map((i) => ({ ...i, model: i.model }))) },
    { path: 'slo.json', bytes: json(o.slo ?? { note: 'no SLO report: the catalog has no SLO for the service, or no health service computed one' }) },
    { path: 'drills.json', bytes: json(drills.map((d) => ({ seq: d.seq, entry: d.entry }))) },
    { path: 'handoffs.json', bytes: json(handoffs) },
    {
      path: 'artifacts.json',
      bytes: json({
        release: { id: r.id, version: r.version, artifact: r.artifact, manifestDigest: r.manifestDigest ?? null },
        rollbackTo: target ? { id: target.id, version: target.version, artifact: target.artifact, manifestDigest: target.manifestDigest ?? null } : null,
      }),
    },
  ];
  const written = await writeEvidenceBundle({
    dir: o.dir,
    kind: RELEASE_EVIDENCE_KIND,
    subject: { kind: 'release', id: r.id },
    createdAt: now,
    files,
    cite,
    entryType: 'release.evidence.exported',
    actor: o.actor,
    ledger: o.ledger,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return { ...written, release: r };
}
