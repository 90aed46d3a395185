// The escalation drill (seed 001: one each release cycle, verified in a mail sink). A synthetic alert
// labelled with the drill's id goes through the real intake, routing, incident machine, durable timers
// and delivery worker; the route's escalation policy is followed with a shortened deadline. Level 1 must
// arrive in the sink (delivery time measured), nobody acknowledges, and level 2 must arrive after the
// deadline and not before. Then the drill resolves its alert and cites the incident's ledger entries.
// Drill mail goes to the sink's SMTP server only (incidents/drill-plan.ts): nobody real is paged.
import type { DrillCheck } from '@runledger/core';
import type { DeliveryRecord } from '@runledger/store';
import type { BundleFile } from '../../evidence/files.js';
import type { DrillPlan } from '../../incidents/drill-plan.js';
import { OperationsHost } from '../../incidents/host.js';
import { operationsConfigPath } from '../../operations/config.js';
import { RuntimeError } from '../../errors.js';
import type { DrillKindRunner, DrillOperations, DrillOutcome, DrillPreflight, DrillRunContext } from '../kind.js';
import { onlyOptions } from '../options.js';
import { timelineEntries } from '../escalation/ledger.js';
import type { DrillMailbox, SeenMail } from '../escalation/mailbox.js';
import { mailpitMailbox, shownUrl } from '../escalation/mailpit.js';
import { escalationOptionsFromEnv, escalationSettings, type EscalationSettings } from '../escalation/options.js';
import { planDrillPolicy, type DrillPolicyPlan } from '../escalation/plan.js';
import { startMailSink } from '../escalation/sink.js';
import { waitForPage, waitSettled, type PageResult, type PageWatch } from '../escalation/watch.js';

/** The integration name the drill's alerts arrive under (an internal source, like `health`). */
export const DRILL_SOURCE = 'drill';
export const DRILL_ALERTNAME = 'RunledgerEscalationDrill';

const round3 = (s: number): number => Math.round(s * 1000) / 1000;
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Named step timings (s) and the summary lines, as the drill goes. */
class Steps {
  readonly seconds: Record<string, number> = {};
  readonly lines: string[] = [];
  private last: number;
  constructor(private readonly ctx: DrillRunContext) {
    this.last = ctx.now().getTime();
  }
  done(name: string, line: string): void {
    const t = this.ctx.now().getTime();
    this.seconds[name] = round3((t - this.last) / 1000);
    this.last = t;
    this.lines.push(line);
    this.ctx.log(line);
  }
}

/** The operations layer to drill through: the caller's, or one opened over the drill's ledger (stopped afterwards). */
async function operationsFor(ctx: DrillRunContext): Promise<{ ops: DrillOperations; close: () => Promise<void> }> {
  if (ctx.operations) return { ops: ctx.operations, close: () => Promise.resolve() };
  const writer = ctx.ledger.writer;
  if (!writer) throw new RuntimeError('INPUT_INVALID', 'escalation drill: the ledger must be open for writing');
  const env = ctx.settings ?? process.env;
  const host = await OperationsHost.open({
    store: ctx.ledger.store,
    append: (d) => writer.append(d),
    configPath: operationsConfigPath({ env, home: ctx.ledger.home }),
    env,
    pollMs: 250,
  });
  await host.start();
  return { ops: host, close: () => host.stop() };
}

async function openMailbox(s: EscalationSettings, ctx: DrillRunContext): Promise<DrillMailbox> {
  if (s.mailpit) return mailpitMailbox({ url: s.mailpit.url, smtp: s.mailpit.smtp, drillId: ctx.id });
  return startMailSink({ host: s.sink.host, port: s.sink.port, now: () => ctx.now() });
}

const mailsOf = (r: PageResult): string => r.mails.map((m) => m.to.join(', ')).join('; ');

function marked(id: string, mails: readonly SeenMail[]): DrillCheck {
  const bad = mails.filter((m) => !m.subject.includes(`[DRILL ${id}]`) || m.headers['x-runledger-drill'] !== id);
  return {
    name: 'drill messages are marked',
    ok: mails.length > 0 && bad.length === 0,
    detail:
      mails.length === 0
        ? 'no message arrived to look at'
        : bad.length === 0
          ? `all ${mails.length} carry [DRILL ${id}] in the subject and X-Runledger-Drill: ${id}`
          : `unmarked: ${bad.map((m) => JSON.stringify(m.subject)).join(', ')}`,
  };
}

/** Every record that was sent went through the drill's sink, by email; the rest were held back. */
function sinkOnly(plan: DrillPlan, records: readonly DeliveryRecord[]): DrillCheck {
  const sink = `${plan.smtp.host}:${plan.smtp.port}`;
  const sent = records.filter((d) => d.state !== 'skipped');
  const stray = sent.filter((d) => d.channel !== 'email' || d.detail['sink'] !== sink);
  const held = records.filter((d) => d.state === 'skipped');
  return {
    name: 'drill mail reached only the sink',
    ok: stray.length === 0,
    detail:
      stray.length === 0
        ? `${sent.length} sent, each by email through ${sink}; ${held.length} held back (${[...new Set(held.map((d) => `${d.receiver}: ${d.reason}`))].join(', ') || 'none'})`
        : `sent elsewhere: ${stray.map((d) => `${d.receiver} (${d.channel})`).join(', ')}`,
  };
}

/** Its settings come from RUNLEDGER_DRILL_* (options.ts); a bad one is refused before anything is recorded. */
export const escalationPreflight: DrillPreflight = (s) => {
  onlyOptions('escalation', s.options, []);
  try {
    escalationSettings(escalationOptionsFromEnv(s.settings ?? process.env), s.targets.deliverySeconds);
  } catch (e) {
    throw new RuntimeError('DRILL_INVALID', (e as Error).message, { cause: e });
  }
};

export const runEscalationDrill: DrillKindRunner = async (ctx) => {
  const s = escalationSettings(ctx.escalation ?? escalationOptionsFromEnv(ctx.settings ?? process.env), ctx.targets.deliverySeconds);
  const steps = new Steps(ctx);
  const { ops, close } = await operationsFor(ctx);
  try {
    const labels = { alertname: DRILL_ALERTNAME, severity: 'critical', ...(ctx.env ? { env: ctx.env } : {}), ...s.labels, drill: ctx.id };
    const planned = planDrillPolicy(ops.config, labels, s.policy, ctx.now().getTime());
    if (!planned.ok) {
      ctx.log(`escalation drill: ${planned.problem}`);
      return { measured: { steps: steps.seconds }, checks: [{ name: 'drill policy', ok: false, detail: planned.problem }], steps: steps.lines };
    }
    const mailbox = await openMailbox(s, ctx);
    try {
      return await drill(ctx, s, ops, planned.plan, labels, mailbox, steps);
    } finally {
      await mailbox.close();
    }
  } finally {
    await close();
  }
};

async function drill(
  ctx: DrillRunContext,
  s: EscalationSettings,
  ops: DrillOperations,
  policy: DrillPolicyPlan,
  labels: Record<string, string>,
  mailbox: DrillMailbox,
  steps: Steps,
): Promise<DrillOutcome> {
  const plan: DrillPlan = { id: ctx.id, smtp: s.smtp ?? mailbox.smtp, ackDeadlineMs: s.deadlineMs, escalation: policy.policy };
  const [l1, l2] = policy.levels;
  steps.done(
    'plan',
    `policy ${policy.policyName} via ${policy.route?.path ?? 'no route'}: level 1 ${l1.targets.join(', ')}, level 2 ${l2.targets.join(', ')} after ${s.deadlineMs / 1000} s; mail to ${plan.smtp.host}:${plan.smtp.port}, read from ${mailbox.describe}`,
  );
  const checks: DrillCheck[] = [];
  const fingerprint = `drill:${ctx.id}`;
  const bodyIds: string[] = [];
  const t0 = ctx.now().getTime();
  const raised = await ops.raiseFrom(
    DRILL_SOURCE,
    [{ fingerprint, labels, annotations: { summary: `Escalation drill ${ctx.id}: nobody needs to act` } }],
    plan,
  );
  bodyIds.push(raised.bodyId);
  ops.wake();
  const incidentId = raised.incidents[0];
  if (!incidentId) throw new RuntimeError('INTERNAL', `escalation drill: the alert opened no incident (body ${raised.bodyId})`);
  const opened = await ops.service.get(incidentId);
  const deadlineMs = Date.parse(opened.model.ackDueAt ?? '');
  if (Number.isNaN(deadlineMs)) throw new RuntimeError('INTERNAL', `escalation drill: incident ${incidentId} has no acknowledgement deadline`);
  steps.done('raise', `raised ${DRILL_ALERTNAME} → incident ${incidentId} (${opened.model.severity}), acknowledgement due ${opened.model.ackDueAt}`);

  const watch: PageWatch = { ops, mailbox, incidentId, now: () => ctx.now(), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  let resolved = false;
  const resolve = async (): Promise<void> => {
    if (resolved) return;
    resolved = true;
    const r = await ops.raiseFrom(DRILL_SOURCE, [{ fingerprint, labels, status: 'resolved' }], plan);
    bodyIds.push(r.bodyId);
    ops.wake();
  };
  let deliverySeconds: number | undefined;
  let escalationSeconds: number | undefined;
  try {
    const first = await waitForPage(watch, 'triggered', t0 + s.waitMs);
    if (first.ok) {
      deliverySeconds = round3((Math.max(...first.mails.map((m) => m.atMs)) - t0) / 1000);
      checks.push({ name: 'level 1 paged by email', ok: true, detail: `${first.mails.length} message(s) to ${mailsOf(first)} in ${deliverySeconds} s` });
      steps.done('level 1', `level 1 received (${mailsOf(first)}) after ${deliverySeconds} s`);
      const second = await waitForPage(watch, 'escalated', deadlineMs + s.waitMs);
      if (second.ok) {
        const view = await ops.service.get(incidentId);
        const fact = view.facts.find((f) => f.type === 'escalated' && (f.fact as { level?: number }).level === 1);
        const firstMail = Math.min(...second.mails.map((m) => m.atMs));
        const lastMail = Math.max(...second.mails.map((m) => m.atMs));
        const early = [
          ...(fact && Date.parse(fact.at) < deadlineMs ? [`escalated at ${fact.at}`] : []),
          ...second.records.filter((d) => Date.parse(d.createdAt) < deadlineMs).map((d) => `${d.receiver} queued at ${d.createdAt}`),
          ...(firstMail < deadlineMs ? [`a message at ${new Date(firstMail).toISOString()}`] : []),
        ];
        escalationSeconds = round3((lastMail - deadlineMs) / 1000);
        checks.push({
          name: 'level 2 paged after the deadline, not before',
          ok: early.length === 0 && fact !== undefined,
          detail:
            early.length === 0
              ? `deadline ${new Date(deadlineMs).toISOString()}; level 2 (${mailsOf(second)}) ${escalationSeconds} s after it`
              : `before the deadline ${new Date(deadlineMs).toISOString()}: ${early.join(', ')}`,
        });
        steps.done('level 2', `level 2 received (${mailsOf(second)}) ${escalationSeconds} s after the deadline`);
      } else {
        checks.push({ name: 'level 2 paged after the deadline, not before', ok: false, detail: second.detail });
        steps.done('level 2', `level 2: ${second.detail}`);
      }
    } else {
      checks.push({ name: 'level 1 paged by email', ok: false, detail: first.detail });
      steps.done('level 1', `level 1: ${first.detail}`);
    }
  } finally {
    await resolve();
  }

  const settled = await waitSettled(watch, ctx.now().getTime() + s.waitMs);
  const view = await ops.service.get(incidentId);
  checks.push({
    name: 'incident resolved',
    ok: view.model.state === 'resolved' && settled.settled,
    detail:
      view.model.state !== 'resolved'
        ? `still ${view.model.state}`
        : settled.settled
          ? `resolved at ${view.model.resolved?.at} (${view.model.resolved?.reason}); every delivery record final`
          : `resolved, but records still open: ${settled.records
              .filter((d) => d.state === 'pending' || d.state === 'attempted')
              .map((d) => d.id)
              .join(', ')}`,
  });
  steps.done('resolve', `resolved the drill alert; incident ${incidentId} ${view.model.state}`);

  const all = await mailbox.messages().catch(() => [] as SeenMail[]);
  const mine = all.filter((m) => m.headers['x-runledger-incident'] === incidentId || m.headers['x-runledger-drill'] === ctx.id);
  if (deliverySeconds !== undefined) checks.push(marked(ctx.id, mine));
  checks.push(sinkOnly(plan, settled.records));

  const entries = await timelineEntries({
    ops,
    ledger: ctx.ledger,
    incidentId,
    bodyIds,
    want: { facts: view.facts.length, deliveries: settled.records.filter((d) => d.state !== 'pending' && d.state !== 'attempted').length },
    untilMs: ctx.now().getTime() + 10_000,
    now: () => ctx.now(),
  });
  const types = entries.facts.map((e) => e.entry.type);
  checks.push({
    name: 'incident timeline in the ledger',
    ok: entries.complete && types.includes('incident.created') && types.includes('incident.resolved'),
    detail: `${entries.facts.length} of ${view.facts.length} facts, ${entries.deliveries.length} delivery entries, ${entries.bodies.length} of ${bodyIds.length} alert bodies (${[...new Set([...types, ...entries.deliveries.map((e) => e.entry.type)])].join(', ')})`,
  });
  steps.done('ledger', `cited ${entries.facts.length + entries.deliveries.length + entries.bodies.length} ledger entries of incident ${incidentId}`);

  const files: BundleFile[] = [
    {
      path: 'escalation/plan.json',
      bytes: json({
        labels,
        route: policy.route ? { path: policy.route.path, receiver: policy.route.receiver } : null,
        policy: policy.policyName,
        levels: policy.levels.map((l) => ({ index: l.index, targets: l.targets, recipients: l.recipients })),
        deadlineSeconds: s.deadlineMs / 1000,
        drillPolicy: plan.escalation,
        sink: { kind: mailbox.kind, smtp: `${plan.smtp.host}:${plan.smtp.port}`, ...(s.mailpit ? { api: shownUrl(s.mailpit.url) } : {}) },
      }),
    },
    { path: 'escalation/messages.json', bytes: json(mine.map((m) => ({ at: new Date(m.atMs).toISOString(), from: m.from, to: m.to, headers: m.headers }))) },
    {
      path: 'escalation/timeline.json',
      bytes: json({
        incident: incidentId,
        state: view.model.state,
        openedAt: view.model.openedAt,
        deadline: new Date(deadlineMs).toISOString(),
        facts: view.facts,
        deliveries: settled.records,
        ledger: [...entries.bodies, ...entries.facts, ...entries.deliveries].map((e) => ({ index: e.seq, type: e.entry.type })),
      }),
    },
  ];
  const cite = [...new Set([...entries.bodies, ...entries.facts, ...entries.deliveries].map((e) => e.seq))].sort((a, b) => a - b);
  return {
    measured: {
      ...(deliverySeconds !== undefined ? { deliverySeconds } : {}),
      ...(escalationSeconds !== undefined ? { escalationSeconds } : {}),
      steps: steps.seconds,
    },
    checks,
    files,
    cite,
    steps: steps.lines,
  };
}
