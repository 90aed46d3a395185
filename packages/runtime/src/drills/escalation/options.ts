// The escalation drill's settings: the shortened deadline, the alert's labels, the policy, and where
// its mail goes (the built-in sink, or a Mailpit the operator runs). Checked once, with the setting named.
import { RuntimeError } from '../../errors.js';

export interface SmtpAddress {
  readonly host: string;
  readonly port: number;
}

export interface EscalationDrillOptions {
  /** The acknowledgement deadline for the drill (s, 1–300; default 3): level 2 is paged when it passes. */
  readonly deadlineSeconds?: number;
  /** Labels for the drill's alert over the defaults (`alertname`, `severity=critical`, `env`); `drill` is always the drill's id. */
  readonly labels?: Readonly<Record<string, string>>;
  /** An escalation policy by name instead of the one the drill's route names. */
  readonly policy?: string;
  /** Read arrivals from a Mailpit server's API and send to its SMTP port instead of the built-in sink. */
  readonly mailpit?: { readonly url: string; readonly smtp: SmtpAddress };
  /** Where the built-in sink listens (default 127.0.0.1, a free port). */
  readonly sink?: { readonly host?: string; readonly port?: number };
  /** Send the drill's mail here rather than to the sink (a sink started elsewhere, or a broken path on purpose). */
  readonly smtp?: SmtpAddress;
  /** How long each page may take before the drill fails (s, 1–3600; default: the delivery target, at least 10). */
  readonly waitSeconds?: number;
}

export interface EscalationSettings {
  readonly deadlineMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly policy?: string;
  readonly mailpit?: { readonly url: URL; readonly smtp: SmtpAddress };
  readonly sink: { readonly host: string; readonly port: number };
  readonly smtp?: SmtpAddress;
  readonly waitMs: number;
}

/** The environment's settings (for a drill started without explicit options): RUNLEDGER_DRILL_*. */
export const DRILL_ENV = {
  deadline: 'RUNLEDGER_DRILL_DEADLINE_SECONDS',
  mailpitUrl: 'RUNLEDGER_DRILL_MAILPIT_URL',
  mailpitSmtp: 'RUNLEDGER_DRILL_MAILPIT_SMTP',
} as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function bad(where: string, message: string): never {
  throw new RuntimeError('INPUT_INVALID', `escalation drill: ${where}: ${message}`, {
    details: [{ path: where, code: 'INPUT_INVALID', message }],
  });
}

function number(where: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(where, `expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function address(where: string, v: unknown): SmtpAddress {
  const a = v as Partial<SmtpAddress> | undefined;
  if (typeof a !== 'object' || a === null || typeof a.host !== 'string' || a.host === '') bad(`${where}.host`, 'expected a host name or address');
  return { host: a.host, port: number(`${where}.port`, a.port, 1, 65535) };
}

/** `host:port` (the form of RUNLEDGER_DRILL_MAILPIT_SMTP). */
export function parseHostPort(where: string, text: string): SmtpAddress {
  const m = /^(.+):(\d{1,5})$/.exec(text.trim());
  if (!m) bad(where, `expected host:port, got ${JSON.stringify(text)}`);
  return address(where, { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) });
}

/** Options from RUNLEDGER_DRILL_* (empty when none is set). */
export function escalationOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): EscalationDrillOptions {
  const deadline = env[DRILL_ENV.deadline];
  const url = env[DRILL_ENV.mailpitUrl];
  const smtp = env[DRILL_ENV.mailpitSmtp];
  if (url && !smtp) bad(DRILL_ENV.mailpitSmtp, `required with ${DRILL_ENV.mailpitUrl} (Mailpit's SMTP address, e.g. 127.0.0.1:1025)`);
  return {
    // Named by the setting, not the option: the operator set RUNLEDGER_DRILL_DEADLINE_SECONDS.
    ...(deadline ? { deadlineSeconds: number(DRILL_ENV.deadline, deadline.trim() === '' ? NaN : Number(deadline), 1, 300) } : {}),
    ...(url && smtp ? { mailpit: { url, smtp: parseHostPort(DRILL_ENV.mailpitSmtp, smtp) } } : {}),
  };
}

/** Checks the options; `deliveryTarget` (s) sets the default wait. */
export function escalationSettings(o: EscalationDrillOptions, deliveryTarget: number | undefined): EscalationSettings {
  const deadlineMs = Math.round(number('deadlineSeconds', o.deadlineSeconds ?? 3, 1, 300) * 1000);
  const waitMs = Math.round(number('waitSeconds', o.waitSeconds ?? Math.max(10, deliveryTarget ?? 60), 1, 3600) * 1000);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.labels ?? {})) {
    if (!LABEL_NAME.test(k)) bad(`labels.${k}`, 'not a label name ([a-zA-Z_][a-zA-Z0-9_]*)');
    if (typeof v !== 'string') bad(`labels.${k}`, 'expected a string');
    if (k === 'drill') bad('labels.drill', 'set by the drill itself (its id)');
    labels[k] = v;
  }
  let mailpit: EscalationSettings['mailpit'];
  if (o.mailpit) {
    let url: URL;
    try {
      url = new URL(o.mailpit.url);
    } catch {
      bad('mailpit.url', `not a URL: ${JSON.stringify(o.mailpit.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('mailpit.url', 'expected http: or https:');
    mailpit = { url, smtp: address('mailpit.smtp', o.mailpit.smtp) };
  }
  if (o.policy !== undefined && (typeof o.policy !== 'string' || o.policy === '')) bad('policy', 'expected an escalation policy name');
  const sink = { host: o.sink?.host ?? '127.0.0.1', port: o.sink?.port === undefined ? 0 : number('sink.port', o.sink.port, 0, 65535) };
  return {
    deadlineMs,
    labels,
    ...(o.policy ? { policy: o.policy } : {}),
    ...(mailpit ? { mailpit } : {}),
    sink,
    ...(o.smtp ? { smtp: address('smtp', o.smtp) } : {}),
    waitMs,
  };
}
