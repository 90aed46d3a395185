// The drill runner: one id, a scratch directory, `drill.started`, the kind's work, one verdict (core's
// judgeDrill) and an evidence bundle whose pinning entry is `drill.finished` (verdict, figures and the
// manifest's digest in one entry). A kind that throws is a failed drill with the error as its reason,
// recorded with its evidence like any other; bad input is refused before anything is recorded.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DRILL_EVIDENCE_KIND, drillId, judgeDrill, type DrillCheck, type DrillTargets } from '@runledger/core';
import type { Actor } from '@runledger/ledger';
import { describeError, RuntimeError } from '../errors.js';
import { evidenceLedgerOf, writeEvidenceBundle, type BundleFile } from '../evidence/index.js';
import type { LedgerContext } from '../ledger/service.js';
import type { ReleaseDriver } from '../releases/driver.js';
import { DRILL_FINISHED, DRILL_STARTED, drillIdem, type DrillRecord } from './history.js';
import type { DrillOperations, DrillOptions, DrillOutcome, DrillRunContext, DrillSetup } from './kind.js';
import { drillKindOf } from './registry.js';
import { defaultDrillDir, drillSettings, drillTargets } from './settings.js';

export interface RunDrillOptions {
  readonly kind: string;
  /** Default: the kind's (rollback: staging), else none. */
  readonly env?: string;
  readonly actor: Actor;
  /** The live ledger, opened for writing. */
  readonly ledgerCtx: LedgerContext;
  /** Over seed 001's defaults and the RUNLEDGER_DRILL_*_SECONDS settings. */
  readonly targets?: DrillTargets;
  /** Where the bundle goes (one sub-directory per drill id); default RUNLEDGER_DRILL_DIR, else DATA_DIR-drills. */
  readonly evidenceDir?: string;
  /** Each log line as it happens (the terminal, the server's in-flight view). */
  readonly log?: (line: string) => void;
  readonly options?: DrillOptions;
  /** The host's settings (default process.env); the store's own (data directory, database) are put over them. */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  readonly releases?: ReleaseDriver;
  readonly runledger?: readonly string[];
  /** The running operations layer (the server's); the escalation drill opens its own without it. */
  readonly operations?: DrillOperations;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** Told the id once drill.started is recorded (the server answers its request then). */
  readonly onStarted?: (id: string) => void;
}

/** The record the ledger keeps (history.ts), plus what only the run itself knows. */
export interface DrillResult extends Omit<DrillRecord, 'evidence'> {
  readonly checks: readonly DrillCheck[];
  readonly steps: readonly string[];
  readonly evidence: DrillRecord['evidence'] & {
    readonly dir: string;
    readonly checkpointSize: number;
    readonly files: number;
  };
  /** The drill.started entry. */
  readonly startedIndex: number;
}

/** The drill.finished entry stays well under the 64 KiB entry limit whatever a kind's errors say. */
const MAX_REASONS = 20;
const MAX_REASON_CHARS = 500;
const clip = (s: string): string => (s.length > MAX_REASON_CHARS ? `${s.slice(0, MAX_REASON_CHARS - 1)}…` : s);
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Checks the kind and its options (no drill recorded), then runs it; see the file comment. */
export async function runDrill(o: RunDrillOptions): Promise<DrillResult> {
  const spec = drillKindOf(o.kind);
  const ledger = o.ledgerCtx;
  if (!ledger.writer) throw new RuntimeError('INTERNAL', 'runDrill needs a ledger opened for writing (it appends drill.started and drill.finished)');
  const settings = drillSettings(ledger, o.settings ?? process.env);
  const env = o.env ?? spec.defaultEnv;
  const targets = drillTargets(settings, o.targets);
  const setup: DrillSetup = {
    ...(env !== undefined ? { env } : {}),
    actor: o.actor,
    ledger,
    targets,
    ...(o.options ? { options: o.options } : {}),
    settings,
    ...(o.releases ? { releases: o.releases } : {}),
    ...(o.runledger ? { runledger: o.runledger } : {}),
    ...(o.operations ? { operations: o.operations } : {}),
  };
  await spec.preflight?.(setup);

  const now = o.now ?? (() => new Date());
  const started = now();
  const id = drillId(started, randomBytes(3).toString('hex'));
  const root = resolve(o.evidenceDir ?? defaultDrillDir(ledger.home, settings));
  const scratch = join(root, `.scratch-${id}`);
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(`${now().toISOString()} ${line}`);
    o.log?.(line);
  };
  const options = Object.fromEntries(Object.entries(o.options ?? {}).filter(([, v]) => v !== undefined));
  try {
    const first = await ledger.writer.append({
      type: DRILL_STARTED,
      actor: o.actor,
      subject: { kind: 'drill', id },
      idem: drillIdem(id, 'started'),
      data: { drill: spec.kind, env: env ?? null, targets, options },
    });
    o.onStarted?.(id);
    log(`drill ${id}: ${spec.kind}${env !== undefined ? ` in ${env}` : ''} started by ${o.actor.id} (ledger entry ${first.seq})`);

    let outcome: DrillOutcome;
    try {
      outcome = await spec.run({ ...setup, id, scratch, log, now, ...(o.signal ? { signal: o.signal } : {}) } satisfies DrillRunContext);
    } catch (e) {
      const d = describeError(e);
      log(`the drill stopped with an error: ${d.code}: ${d.message}`);
      outcome = { measured: {}, checks: [{ name: 'drill', ok: false, detail: `${d.code}: ${d.message}` }] };
    }
    const finished = now();
    const verdict = judgeDrill(outcome.measured, targets, outcome.checks);
    log(verdict.passed ? 'PASSED' : `FAILED: ${verdict.reasons.join('; ')}`);
    const summary = {
      id,
      kind: spec.kind,
      env: env ?? null,
      actor: o.actor.id,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      options,
      targets,
      measured: outcome.measured,
      checks: outcome.checks,
      passed: verdict.passed,
      reasons: verdict.reasons,
      steps: outcome.steps ?? [],
      ledger: { started: first.seq },
    };
    const files: BundleFile[] = [
      { path: 'summary.json', bytes: json(summary) },
      { path: 'log.txt', bytes: lines.map((l) => `${l}\n`).join('') },
      ...(outcome.files ?? []),
    ];
    const written = await writeEvidenceBundle({
      dir: join(root, id),
      kind: DRILL_EVIDENCE_KIND,
      subject: { kind: 'drill', id },
      createdAt: finished.toISOString(),
      files,
      cite: [first.seq, ...(outcome.cite ?? [])],
      entryType: DRILL_FINISHED,
      actor: o.actor,
      idem: drillIdem(id, 'finished'),
      // `kind` in the entry stays the evidence kind (the verifier reads it); `drill` is the drill's kind.
      data: {
        drill: spec.kind,
        env: env ?? null,
        passed: verdict.passed,
        reasons: verdict.reasons.slice(0, MAX_REASONS).map(clip),
        measured: outcome.measured,
        targets,
        startedAt: summary.startedAt,
        finishedAt: summary.finishedAt,
      },
      ledger: evidenceLedgerOf(ledger.writer, ledger.reader),
    });
    o.log?.(`evidence: ${written.dir} (manifest sha256 ${written.manifestSha256}, ledger entry ${written.index})`);
    return {
      id,
      kind: spec.kind,
      env: env ?? null,
      actor: o.actor.id,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      passed: verdict.passed,
      reasons: verdict.reasons,
      targets,
      measured: outcome.measured,
      checks: outcome.checks,
      steps: outcome.steps ?? [],
      evidence: {
        dir: written.dir,
        manifestSha256: written.manifestSha256,
        index: written.index,
        checkpointSize: written.checkpointSize,
        files: written.files,
      },
      startedIndex: first.seq,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
