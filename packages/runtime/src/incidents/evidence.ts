// An incident's evidence bundle: the raw alert bodies it was built from, its timeline (the stored
// facts), its delivery records and the incident as it stands, each file listed with its SHA-256 in a
// manifest. The manifest's digest goes into the ledger, so a ledger receipt for that entry proves the
// bundle unchanged with `runledger-verify` and nothing else.
import { createHash } from 'node:crypto';
import { canonicalize, type Actor } from '@runledger/ledger';
import type { EntryDraft } from '@runledger/ledger';
import type { IncidentService } from './service.js';

export const EVIDENCE_KIND = 'runledger.incident.evidence/v1';

export interface EvidenceFile {
  readonly path: string;
  readonly bytes: Buffer;
}

export interface EvidenceBundle {
  readonly incidentId: string;
  readonly files: readonly EvidenceFile[];
  /** manifest.json: canonical JSON (RFC 8785), so its digest is reproducible. */
  readonly manifest: Buffer;
  readonly manifestSha256: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const json = (v: unknown): Buffer => Buffer.from(`${JSON.stringify(v, null, 2)}\n`, 'utf8');

export async function buildEvidence(service: IncidentService, idOrPrefix: string, createdAt: string): Promise<EvidenceBundle> {
  const v = await service.get(idOrPrefix);
  const id = v.row.id;
  const files: EvidenceFile[] = [];
  const bodies = await service.intake.bodiesOfIncident(id);
  for (const b of bodies) files.push({ path: `alerts/${b.receivedAt.replace(/[:.]/g, '')}-${b.id.slice(0, 16)}.json`, bytes: Buffer.from(b.body, 'utf8') });
  files.push({ path: 'timeline.json', bytes: json(v.facts) });
  files.push({ path: 'deliveries.json', bytes: json(await service.deliveries.list({ incidentId: id, limit: 10_000 })) });
  files.push({ path: 'incident.json', bytes: json({ ...v.row, model: undefined, context: v.context, incident: v.model }) });
  const manifest = Buffer.from(
    canonicalize({
      kind: EVIDENCE_KIND,
      incident: id,
      createdAt,
      files: files.map((f) => ({ path: f.path, sha256: sha256(f.bytes), bytes: f.bytes.length })),
    }),
    'utf8',
  );
  return { incidentId: id, files, manifest, manifestSha256: sha256(manifest) };
}

/** The ledger entry that pins the bundle: the manifest's digest. */
export function evidenceDraft(b: EvidenceBundle, actor: Actor): EntryDraft {
  return {
    type: 'incident.evidence.exported',
    actor,
    subject: { kind: 'incident', id: b.incidentId },
    data: { manifestSha256: b.manifestSha256, files: b.files.length, kind: EVIDENCE_KIND },
  };
}
