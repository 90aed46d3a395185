// `runledger alerts raise`: a runbook step (or a script) raises or resolves an alert through an internal
// integration, the path Runledger's own probes use, so it pages people by the routing tree without a
// Prometheus. The incident is opened or updated here; the server (`runledger serve`) sends the pages.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import type { IntakeAlert } from '@runledger/core';
import { RuntimeError, type LedgerLocation } from '@runledger/runtime';
import type { Io } from './io.js';
import { withOps, type Options } from './incidents.js';

/** `key=value` arguments (repeatable options) as a map; a malformed one names itself. */
function pairs(flag: string, list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new RuntimeError('USAGE', `${flag} ${JSON.stringify(p)}: expected name=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** A label set's stable identity when the caller gives none: 16 hex of the SHA-256 of its sorted pairs. */
export function labelFingerprint(labels: Readonly<Record<string, string>>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function registerAlertCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const alerts = program.command('alerts').description('raise or resolve alerts through an internal integration');
  alerts
    .command('raise')
    .description('raise (or with --resolve, resolve) an alert: it opens or joins an incident and pages through the routes')
    .requiredOption('--integration <name>', 'an integration of type internal in the operations file')
    .option('--label <name=value>', 'a label (repeat); alertname and severity decide the route and the severity', collect, [])
    .option('--annotation <name=value>', 'an annotation (repeat), e.g. summary=…', collect, [])
    .option('--fingerprint <id>', 'the alert’s stable identity (default: from its labels)')
    .option('--resolve', 'report the alert resolved')
    .option('--config <file>', 'the operations file (default: $RUNLEDGER_CONFIG, else <data dir>/operations.yaml)')
    .option('--json', 'the intake result as JSON')
    .action(async (o: Options & { integration: string; label: string[]; annotation: string[]; fingerprint?: string; resolve?: boolean }) => {
      const labels = pairs('--label', o.label);
      if (!labels['alertname']) throw new RuntimeError('USAGE', '--label alertname=… is required: it names the alert');
      const annotations = pairs('--annotation', o.annotation);
      await withOps(location(), io, o, true, async (ops) => {
        const cfg = (await ops.config()).config;
        const i = cfg.integrations.find((x) => x.name === o.integration);
        if (!i || i.type !== 'internal')
          throw new RuntimeError(
            'USAGE',
            `--integration ${o.integration}: not an internal integration of the operations file (internal ones: ${
              cfg.integrations
                .filter((x) => x.type === 'internal')
                .map((x) => x.name)
                .join(', ') || 'none'
            })`,
          );
        const at = new Date().toISOString();
        const alert: IntakeAlert = {
          fingerprint: o.fingerprint ?? labelFingerprint(labels),
          labels,
          annotations,
          startsAt: at,
          status: o.resolve ? 'resolved' : 'firing',
          ...(o.resolve ? { endsAt: at } : {}),
        };
        const r = await ops.svc.receive(o.integration, 'internal', { at, alerts: [alert] }, [alert]);
        if (o.json) io.out(`${JSON.stringify({ ...r, fingerprint: alert.fingerprint })}\n`);
        else
          io.out(
            `${o.resolve ? 'resolved' : 'raised'} ${labels['alertname']} (${alert.fingerprint})${r.incidents.length ? `: incident ${r.incidents.join(', ')}` : ': no open incident holds it'}\n`,
          );
      });
    });
}
