// The rollback drill (seed 003: "test rollback procedures in staging regularly"): deploy a release of a
// catalog service through the release driver (its deploy runbook and gates), roll it back to the release
// in place before it (the rollback runbook), wait for the post-rollback checks, and time each step from
// the release's own record. RTO is the rollback's time. Staging by default; production is refused unless
// allowed explicitly, since the drill deploys and rolls back for real.
import { createHash } from 'node:crypto';
import { currentRelease, ReleaseRuleError, canStartDeploy, type DrillCheck, type Release } from '@runledger/core';
import { RuntimeError } from '../../errors.js';
import type { ReleaseDriver } from '../../releases/driver.js';
import type { DrillKindRunner, DrillPreflight, DrillRunContext, DrillSetup } from '../kind.js';
import { flagOption, onlyOptions, secondsOption, stringOption } from '../options.js';

const OPTIONS = ['service', 'version', 'artifact', 'digest', 'allowProduction', 'timeoutSeconds'] as const;
const PRODUCTION = /^prod(uction)?$/i;
const DEFAULT_TIMEOUT_S = 1800;

interface Asked {
  readonly driver: ReleaseDriver;
  readonly service: string;
  readonly version: string;
  readonly env: string;
  readonly artifact: { readonly ref: string; readonly digest: string };
  readonly timeoutMs: number;
}

function asked(s: DrillSetup): Asked {
  onlyOptions('rollback', s.options, OPTIONS);
  const service = stringOption(s.options, 'service');
  const version = stringOption(s.options, 'version');
  if (service === undefined || version === undefined)
    throw new RuntimeError(
      'DRILL_INVALID',
      'the rollback drill needs the catalog service and the version to deploy (--service S --release-version V; API options service, version)',
    );
  const env = s.env ?? 'staging';
  if (PRODUCTION.test(env) && !flagOption(s.options, 'allowProduction'))
    throw new RuntimeError(
      'DRILL_REFUSED',
      `the rollback drill deploys ${service} ${version} to ${env} and rolls it back for real: run it in staging, or pass --allow-production`,
    );
  if (!s.releases) throw new RuntimeError('DRILL_NOT_AVAILABLE', 'the rollback drill needs the release driver, which this host did not give it');
  const ref = stringOption(s.options, 'artifact') ?? `drill/${service}:${version}`;
  const digest = stringOption(s.options, 'digest') ?? `sha256:${createHash('sha256').update(ref).digest('hex')}`;
  const timeoutMs = secondsOption(s.options, 'timeoutSeconds', DEFAULT_TIMEOUT_S, 1, 24 * 3600) * 1000;
  return { driver: s.releases, service, version, env, artifact: { ref, digest }, timeoutMs };
}

/** The release in place, which the drill rolls back to: it must be an announced release of the service in the environment. */
async function returnTo(a: Asked): Promise<Release> {
  const all = await a.driver.service.ofTarget(a.service, a.env);
  const busy = canStartDeploy(all, a.service, a.env);
  if (!busy.ok) throw new ReleaseRuleError('RELEASE_BUSY', `${busy.message}; the drill waits for nothing`);
  const cur = currentRelease(all, a.service, a.env);
  if (!cur || cur.state !== 'announced')
    throw new RuntimeError(
      'DRILL_INVALID',
      cur
        ? `${a.service} in ${a.env} runs ${cur.version} (${cur.id}), which is ${cur.state}: the drill rolls back to an announced release`
        : `no release of ${a.service} in ${a.env} to roll back to: deploy one first (\`runledger release create ${a.service} VERSION --env ${a.env} … --deploy\`)`,
    );
  return cur;
}

export const rollbackPreflight: DrillPreflight = async (s) => {
  const a = asked(s);
  const d = a.driver.service.ports.defaults(a.service);
  if (!d) throw new RuntimeError('DRILL_INVALID', `service ${a.service} is not in the catalog: the rollback drill needs its deploy and rollback runbooks`);
  const missing = [d.runbooks.deploy ? undefined : 'deploy', d.runbooks.rollback ? undefined : 'rollback'].filter(Boolean);
  if (missing.length > 0)
    throw new RuntimeError('DRILL_INVALID', `service ${a.service} has no ${missing.join(' or ')} runbook in the catalog (runbooks: {deploy: …, rollback: …})`);
  await returnTo(a);
};

/** Waits until the release satisfies `ok` (woken by each change, read again at least every 500 ms). */
async function waitFor(ctx: DrillRunContext, a: Asked, id: string, what: string, ok: (r: Release) => boolean): Promise<Release> {
  const end = Date.now() + a.timeoutMs;
  for (;;) {
    const r = await a.driver.service.get(id);
    if (ok(r)) return r;
    if (ctx.signal?.aborted) throw new RuntimeError('INTERNAL', `the drill was stopped while waiting for ${what}`);
    if (Date.now() > end) throw new RuntimeError('INTERNAL', `timed out after ${a.timeoutMs / 1000} s waiting for ${what} (release ${id} is ${r.state})`);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        a.driver.service.events.off('changed', on);
        resolve();
      };
      const on = (x: Release): void => {
        if (x.id === id) done();
      };
      const t = setTimeout(done, 500);
      a.driver.service.events.on('changed', on);
    });
  }
}

const secs = (from: string | undefined, to: string | undefined): number | undefined =>
  from !== undefined && to !== undefined ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

export const runRollbackDrill: DrillKindRunner = async (ctx) => {
  const a = asked(ctx);
  const svc = a.driver.service;
  const back = await returnTo(a);
  const steps: string[] = [];
  const checks: DrillCheck[] = [];
  const by = ctx.actor.id;

  ctx.log(`deploying ${a.service} ${a.version} to ${a.env}; the drill rolls back to ${back.version} (${back.id})`);
  const created = await svc.create({ service: a.service, env: a.env, version: a.version, artifact: a.artifact, requestedBy: by });
  await svc.deploy(created.id, by);
  steps.push(`created release ${created.id} (${a.service} ${a.version} in ${a.env}) and started its deploy`);

  const deployed = await waitFor(ctx, a, created.id, 'the deploy run', (r) => r.state !== 'deploying');
  const deployOk = deployed.deployedAt !== undefined && deployed.failure?.gate !== 'deploy';
  checks.push({
    name: 'deploy',
    ok: deployOk,
    detail: deployOk ? `the deploy runbook ran (run ${deployed.deployRunId ?? '?'})` : `the deploy failed: ${deployed.failure?.reason ?? deployed.state}`,
  });
  ctx.log(deployOk ? `deployed ${a.version}` : `the deploy failed: ${deployed.failure?.reason ?? deployed.state}`);

  // The gates decide (a known-bad version fails them: what seed 003's drill deploys); the bake window is not waited for.
  const gated = await waitFor(
    ctx,
    a,
    created.id,
    'the gates',
    (r) => r.state !== 'verifying' || r.gates.filter((g) => g.kind !== 'bake').every((g) => g.passed !== null),
  );
  const gates = gated.gates.filter((g) => g.kind !== 'bake' && g.passed !== null);
  steps.push(`gates: ${gates.map((g) => `${g.name} ${g.passed ? 'passed' : 'failed'}`).join(', ') || 'none decided'}`);
  ctx.log(`gates: ${gates.map((g) => `${g.name} ${g.passed ? '✔' : '✘'}`).join(' ') || 'none'}`);

  // A failed gate may have started the catalog's automatic rollback: that one is the drill's rollback.
  let r = await svc.get(created.id);
  if (r.rollbackProposed?.mode === 'on' && r.rollback === undefined)
    r = await waitFor(ctx, a, created.id, 'the automatic rollback to start or be refused', (x) => x.rollback !== undefined || x.rollbackRefused !== undefined);
  if (r.rollback === undefined) {
    const out = await a.driver.rollback({
      service: a.service,
      env: a.env,
      from: created.id,
      to: back.id,
      reason: `rollback drill ${ctx.id}`,
      actor: by,
      roles: ['operator'],
    });
    if ('pending' in out) {
      await a.driver.cancelPending(created.id);
      checks.push({
        name: 'rollback',
        ok: false,
        detail: `the rollback waits for an approval (${out.pending.why}); the drill withdrew it: ${a.env} still runs ${a.version}`,
      });
    }
    steps.push(`asked for the rollback to ${back.version}${'pending' in out ? ' (it waited for an approval and was withdrawn)' : ''}`);
  } else if (r.rollback !== undefined) steps.push(`the catalog's automatic rollback to ${r.rollback.toVersion} started (${r.rollback.reason})`);

  const rolled = await svc.get(created.id);
  let final = rolled;
  if (rolled.rollback !== undefined) {
    ctx.log(`rolling back ${a.version} → ${rolled.rollback.toVersion}`);
    final = await waitFor(
      ctx,
      a,
      created.id,
      'the rollback and its post-rollback checks',
      (x) =>
        x.rollback?.outcome !== undefined && (x.postRollbackChecklist === undefined || x.rollback.postChecks !== undefined || x.rollback.outcome === 'failure'),
    );
    const rb = final.rollback!;
    checks.push({
      name: 'rollback',
      ok: rb.outcome === 'success',
      detail: `${rb.mode} rollback ${rb.fromVersion} → ${rb.toVersion}: ${rb.outcome}${rb.detail ? ` (${rb.detail})` : ''}${rb.runId ? `, run ${rb.runId}` : ''}`,
    });
    if (final.postRollbackChecklist !== undefined && rb.outcome === 'success')
      checks.push({
        name: 'post-rollback checks',
        ok: rb.postChecks?.passed === true,
        detail: rb.postChecks?.passed
          ? `checklist ${final.postRollbackChecklist} holds`
          : `checklist ${final.postRollbackChecklist}: ${rb.postChecks?.reason ?? 'no verdict'}`,
      });
    ctx.log(`rollback ${rb.outcome}${rb.postChecks ? `; post-rollback checks ${rb.postChecks.passed ? 'hold' : 'do not hold'}` : ''}`);
    steps.push(`rolled back to ${rb.toVersion}: ${rb.outcome}`);
  } else if (!checks.some((c) => c.name === 'rollback')) {
    checks.push({
      name: 'rollback',
      ok: false,
      detail: rolled.rollbackRefused
        ? `refused: ${rolled.rollbackRefused.code}: ${rolled.rollbackRefused.reason}`
        : `no rollback ran (release ${rolled.state})`,
    });
  }
  const inPlace = currentRelease(await svc.ofTarget(a.service, a.env), a.service, a.env);
  checks.push({
    name: 'in place',
    ok: inPlace?.id === back.id,
    detail: `${a.service} in ${a.env} runs ${inPlace ? `${inPlace.version} (${inPlace.id})` : 'nothing known'}; the drill started on ${back.version} (${back.id})`,
  });

  const rb = final.rollback;
  const timings: Record<string, number> = {};
  const put = (k: string, v: number | undefined): void => {
    if (v !== undefined) timings[k] = v;
  };
  put('deploy', secs(final.deployStartedAt, final.deployedAt ?? (final.failure?.gate === 'deploy' ? final.failedAt : undefined)));
  put(
    'gates',
    secs(
      final.deployedAt,
      gates
        .map((g) => g.at)
        .filter((x): x is string => x !== undefined)
        .sort()
        .at(-1),
    ),
  );
  put('rollback', secs(rb?.startedAt, rb?.finishedAt));
  put('postRollbackChecks', secs(rb?.finishedAt, rb?.postChecks?.at));
  const rto = rb?.outcome === 'success' ? timings['rollback'] : undefined;

  const loaded = await svc.load(created.id);
  // The release's own ledger entries (appended from the outbox after each commit) are cited once they are all there.
  const cite = await releaseEntries(ctx, created.id, loaded.facts);
  return {
    measured: { ...(rto !== undefined ? { rtoSeconds: rto } : {}), steps: timings },
    checks,
    steps,
    cite,
    files: [
      {
        path: 'rollback/release.json',
        bytes: `${JSON.stringify({ release: loaded.release, pendingRollback: loaded.pending, returnedTo: back.id }, null, 2)}\n`,
      },
      { path: 'rollback/timeline.json', bytes: `${JSON.stringify(await svc.releases.facts(created.id), null, 2)}\n` },
    ],
  };
};

/** The release's fact entries in the ledger (`release:<id>:` keys), waiting briefly for the outbox to catch up. */
async function releaseEntries(ctx: DrillRunContext, id: string, facts: number): Promise<number[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const rows = await ctx.ledger.reader.entriesByIdemPrefix(`release:${id}:`, 10_000);
    if (rows.length >= facts || Date.now() > end) return rows.map((e) => e.seq);
    await new Promise((r) => setTimeout(r, 100));
  }
}
