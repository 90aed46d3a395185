// A real Alertmanager (Debian's 0.25) as a test and benchmark peer: on loopback, on a free port, with
// its own config and state in a temp dir and no gossip port, posting its webhooks to the caller's URL.
// The webhook's bearer token goes into a credentials_file (mode 0600), never onto a command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ALERTMANAGER_BIN = process.env.RUNLEDGER_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
/** Debian's build reads its notification templates from here and loads no config without them. */
export const ALERTMANAGER_TEMPLATE = '/usr/share/prometheus/alertmanager/default.tmpl';
/** Linux's setpriv: makes the kernel kill Alertmanager when this process dies, even by SIGKILL. */
const SETPRIV = '/usr/bin/setpriv';
const LOG_LIMIT = 1 << 20;

export interface AlertmanagerEmailReceiver {
  /** `host:port` of the SMTP server (e.g. an smtp sink's). */
  readonly smarthost: string;
  readonly from: string;
  readonly to: string;
  /** Alertmanager's default for email is false (for webhooks it is true). */
  readonly sendResolved?: boolean;
  /** AUTH PLAIN (Go allows it without TLS only towards localhost); the password goes into an auth_password_file. */
  readonly auth?: { readonly username: string; readonly password: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AlertmanagerOptions {
  readonly webhookUrl: string;
  /** Sent as `Authorization: Bearer …`; read by Alertmanager from a credentials_file. */
  readonly bearerToken?: string;
  /** Default ['alertname', 'service']. */
  readonly groupBy?: readonly string[];
  /** Default 200 ms (Alertmanager's own default, 30 s, would make every test wait). */
  readonly groupWaitMs?: number;
  /** Default 500 ms. Also bounds how long one notification is retried. */
  readonly groupIntervalMs?: number;
  /** Alertmanager duration, default '1h'. */
  readonly repeatInterval?: string;
  /** Alertmanager duration, default '5m'. */
  readonly resolveTimeout?: string;
  /** Webhook send_resolved, default true. */
  readonly sendResolved?: boolean;
  /** Webhook max_alerts, default 0 (no limit). */
  readonly maxAlerts?: number;
  /** A second receiver that gets every alert too (a route with `continue: true` in front of it). */
  readonly email?: AlertmanagerEmailReceiver;
  /** Last word on the generated config (an object written as YAML's JSON subset). */
  readonly configure?: (config: Record<string, unknown>) => void;
  /** Default 'info'; 'debug' logs every notification. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly binary?: string;
  /** How long to wait for /-/ready, default 15 s. */
  readonly readyTimeoutMs?: number;
}

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: string | Date;
  readonly endsAt?: string | Date;
  readonly generatorURL?: string;
}

/** One alert as `GET /api/v2/alerts` lists it (the fields tests read). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly fingerprint: string;
  readonly generatorURL?: string;
  readonly receivers: Array<{ readonly name: string }>;
  readonly status: { readonly state: 'unprocessed' | 'active' | 'suppressed'; readonly silencedBy: string[]; readonly inhibitedBy: string[] };
}

export interface Alertmanager {
  /** `http://127.0.0.1:PORT`, also its --web.external-url (the webhook body's externalURL). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The generated alertmanager.yml. */
  readonly configFile: string;
  /** `POST /api/v2/alerts`; throws unless Alertmanager answers 200. */
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** Posts the same alerts again with `endsAt` = `at` (default 1 s ago), which resolves them. */
  resolveAlerts(alerts: readonly PostableAlert[], at?: Date): Promise<void>;
  /** `GET /api/v2/alerts` (active, silenced, inhibited and unprocessed). */
  alerts(): Promise<GettableAlert[]>;
  /** SIGTERM, SIGKILL after 5 s; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Its stdout and stderr so far (logfmt lines; the last MiB). */
  logs(): string;
  /** The first log line matching `pattern` (already logged or still to come); rejects after `timeoutMs` (default 10 s). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function trackChild(c: ChildProcess, dir: string): void {
  live.set(c, dir);
  c.once('exit', () => live.delete(c));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test file that ends (or throws) without stop() must not leave an Alertmanager or its files behind.
  process.on('exit', () => {
    for (const [p, d] of live) {
      p.kill('SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
  });
}

/** A TCP port free on 127.0.0.1 right now (another process may still take it before we do). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const ms = (n: number): string => `${Math.max(1, Math.round(n))}ms`;

/** Secrets Alertmanager reads from files (mode 0600 in its temp dir), so none is on a command line or inline in the config. */
interface SecretFiles {
  readonly bearerToken?: string;
  readonly smtpPassword?: string;
}

function buildConfig(opts: AlertmanagerOptions, files: SecretFiles): Record<string, unknown> {
  const webhook: Record<string, unknown> = { url: opts.webhookUrl, send_resolved: opts.sendResolved ?? true, max_alerts: opts.maxAlerts ?? 0 };
  if (files.bearerToken) webhook.http_config = { authorization: { type: 'Bearer', credentials_file: files.bearerToken } };
  const receivers: Array<Record<string, unknown>> = [{ name: 'webhook', webhook_configs: [webhook] }];
  const route: Record<string, unknown> = {
    receiver: 'webhook',
    group_by: opts.groupBy ?? ['alertname', 'service'],
    group_wait: ms(opts.groupWaitMs ?? 200),
    group_interval: ms(opts.groupIntervalMs ?? 500),
    repeat_interval: opts.repeatInterval ?? '1h',
  };
  const e = opts.email;
  if (e) {
    const email: Record<string, unknown> = { to: e.to, from: e.from, smarthost: e.smarthost, require_tls: false, send_resolved: e.sendResolved ?? false };
    if (e.auth) Object.assign(email, { auth_username: e.auth.username, auth_password_file: files.smtpPassword });
    if (e.headers) email.headers = e.headers;
    receivers.push({ name: 'email', email_configs: [email] });
    // Child routes without matchers match everything: the first continues, so both receivers get each group.
    route.routes = [
      { receiver: 'webhook', continue: true },
      { receiver: 'email', continue: false },
    ];
  }
  return { global: { resolve_timeout: opts.resolveTimeout ?? '5m' }, route, receivers };
}

const toIso = (t: string | Date | undefined): string | undefined => (t instanceof Date ? t.toISOString() : t);

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager> {
  const binary = opts.binary ?? ALERTMANAGER_BIN;
  if (!existsSync(binary)) {
    throw new Error(
      `Alertmanager is required for these tests and ${binary} does not exist: install Debian's prometheus-alertmanager ` +
        '(scripts/system-deps.sh does, as root) or set RUNLEDGER_TEST_ALERTMANAGER to a 0.25 binary; the tests do not skip.',
    );
  }
  if (binary === '/usr/bin/prometheus-alertmanager' && !existsSync(ALERTMANAGER_TEMPLATE)) {
    throw new Error(
      `${ALERTMANAGER_TEMPLATE} is missing: Debian's Alertmanager loads no config without it (apt-get install --reinstall prometheus-alertmanager)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'runledger-alertmanager-'));
  try {
    const secretFile = (name: string, value: string | undefined): string | undefined => {
      if (value === undefined) return undefined;
      writeFileSync(join(dir, name), value, { mode: 0o600 });
      return join(dir, name);
    };
    const config = buildConfig(opts, {
      bearerToken: secretFile('webhook-token', opts.bearerToken),
      smtpPassword: secretFile('smtp-password', opts.email?.auth?.password),
    });
    opts.configure?.(config);
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    // The port is picked before Alertmanager binds it; if another process wins the race, try a new one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(binary, dir, configFile, await freePort(), opts);
      } catch (e) {
        if (attempt < 3 && e instanceof PortTakenError) continue;
        throw e;
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

class PortTakenError extends Error {}

async function launch(binary: string, dir: string, configFile: string, port: number, opts: AlertmanagerOptions): Promise<Alertmanager> {
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${url}`,
    '--cluster.listen-address=',
    `--log.level=${opts.logLevel ?? 'info'}`,
  ];
  const [cmd, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', binary, ...args]] : [binary, args];
  const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child, dir);
  let log = '';
  const append = (b: Buffer): void => {
    log += b.toString('utf8');
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await exited.catch(() => undefined);
      if (/address already in use/.test(log)) throw new PortTakenError(`port ${port} taken`);
      throw new Error(`Alertmanager exited before it was ready (${spawnError?.message ?? `code ${child.exitCode}, signal ${child.signalCode}`}):\n${log}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager did not answer ${url}/-/ready within ${opts.readyTimeoutMs ?? 15_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const postAlerts = async (alerts: readonly PostableAlert[]): Promise<void> => {
    const body = alerts.map((a) => ({ ...a, startsAt: toIso(a.startsAt), endsAt: toIso(a.endsAt) }));
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`Alertmanager answered ${res.status} to POST /api/v2/alerts: ${text}`);
  };
  return {
    url,
    port,
    pid: child.pid!,
    configFile,
    postAlerts,
    resolveAlerts: (alerts, at = new Date(Date.now() - 1000)) =>
      // Alertmanager refuses endsAt before startsAt; the stored alert keeps its earlier startsAt when merged.
      postAlerts(alerts.map((a) => ({ ...a, startsAt: a.startsAt ?? at, endsAt: at }))),
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (res.status !== 200) throw new Error(`Alertmanager answered ${res.status} to GET /api/v2/alerts: ${await res.text()}`);
      return (await res.json()) as GettableAlert[];
    },
    stop,
    logs: () => log,
    async waitForLog(pattern, timeoutMs = 10_000) {
      // Alertmanager logs after the receiver has answered: a test that saw the request may not see the line yet.
      const until = Date.now() + timeoutMs;
      for (;;) {
        const line = log.split('\n').find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (Date.now() > until) throw new Error(`no Alertmanager log line matched ${pattern} within ${timeoutMs} ms:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
