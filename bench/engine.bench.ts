// Engine overhead per step: a 200-step runbook of `sh` steps running `true`, minus 200 bare
// `sh -c true` spawns measured in the same run, divided by 200 (ledger appends included). Side by
// side: Ansible (Debian's ansible-core) running the same 200 `command: true` tasks on the local
// connection, in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunbook } from '@runledger/core';
import { initLedger, openEngine } from '@runledger/runtime';
import BetterSqlite3 from 'better-sqlite3';
import { status, statusDone, type Figure } from './lib.js';

/** Durable commits per second on this disk right now (WAL, synchronous=FULL): the figure that bounds any ledgered step. */
function rawCommitsPerSec(dir: string, ms = 1500): number {
  const db = new BetterSqlite3(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
  const ins = db.prepare('INSERT INTO t (b) VALUES (?)');
  const b = Buffer.alloc(300);
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < ms) {
    ins.run(b);
    n++;
  }
  const r = (n / (performance.now() - t)) * 1000;
  db.close();
  return r;
}

const STEPS = 200;

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('sh', ['-c', 'true'], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', () => resolve());
  });
}

async function bareSpawns(n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await spawnTrue();
  return performance.now() - t;
}

function runbookSource(n: number): string {
  const steps = Array.from({ length: n }, (_, i) => `\`\`\`sh {#s${i + 1}}\ntrue\n\`\`\`\n`).join('\n');
  return `---\nid: overhead-${n}\ntitle: ${n} trivial steps\n---\n\n# ${n} trivial steps\n\n## Procedure\n\n${steps}`;
}

/** Wall time of the run and the durable commits it made (run store and ledger writer, counted by each). */
async function engineRun(home: string, n: number): Promise<{ ms: number; commits: number }> {
  const env = { ...process.env, RUNLEDGER_HOME: home } as Record<string, string | undefined>;
  delete env.RUNLEDGER_DATABASE_URL;
  await initLedger({ env, home }, { origin: 'bench.runledger.local/engine', actor: { kind: 'system', id: 'bench' } });
  const source = runbookSource(n);
  const parsed = parseRunbook(source, 'overhead.md');
  if (!parsed.ok) throw new Error(`bench runbook does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  const ctx = await openEngine({ env, home });
  try {
    const commits = (): number => ctx.runs.stats.commits + ctx.ledger.writer!.stats.commits;
    const c0 = commits();
    const t = performance.now();
    const out = await ctx.engine.start({
      runbook: parsed.runbook,
      source,
      inputs: {},
      secrets: {},
      environment: 'default',
      who: { actor: { kind: 'user', id: 'bench' }, roles: ['operator'] },
    });
    const ms = performance.now() - t;
    if (out.model.state !== 'succeeded') throw new Error(`bench run ended ${out.model.state}: ${out.model.reason}`);
    return { ms, commits: commits() - c0 };
  } finally {
    await ctx.close();
  }
}

function ensureAnsible(): string | undefined {
  const have = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
  if (have.status === 0) return have.stdout.trim();
  if (process.getuid?.() !== 0) return undefined;
  status('ledger.engine: installing ansible-core from Debian (apt-get)…');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) return undefined;
  const again = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
  return again.status === 0 ? again.stdout.trim() : undefined;
}

function ansibleRun(dir: string, n: number): number {
  const tasks = Array.from({ length: n }, (_, i) => `    - name: step ${i + 1}\n      ansible.builtin.command: "true"\n      changed_when: false\n`).join('');
  writeFileSync(join(dir, 'playbook.yml'), `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n${tasks}`);
  writeFileSync(join(dir, 'inventory'), 'localhost ansible_connection=local\n');
  const t = performance.now();
  const r = spawnSync('ansible-playbook', ['-i', join(dir, 'inventory'), join(dir, 'playbook.yml')], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent', ANSIBLE_LOCALHOST_WARNING: 'false' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`ansible-playbook failed: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  return ms;
}

export async function benchEngine(outDir: string, quick: boolean): Promise<Figure[]> {
  const n = quick ? 50 : STEPS;
  const dir = mkdtempSync(join(tmpdir(), 'runledger-bench-engine-'));
  try {
    mkdirSync(join(dir, 'home'));
    status(`ledger.engine: ${n} bare sh -c true spawns…`);
    await bareSpawns(20);
    const bare = await bareSpawns(n);
    status(`ledger.engine: a ${n}-step runbook through the engine (SQLite, ledger on)…`);
    const run = await engineRun(join(dir, 'home'), n);
    const ours = run.ms;
    const oursPerStep = (ours - bare) / n;
    const commitsPerStep = run.commits / n;
    status('ledger.engine: raw durable commits on this disk…');
    const commits = rawCommitsPerSec(dir);
    const commitMs = 1000 / commits;
    const figs: Figure[] = [
      {
        section: 'ledger.engine',
        name: `engine overhead per sh step (${n} steps)`,
        value: oursPerStep,
        unit: 'ms/step',
        baseline: { name: `bare sh -c true spawn, ${(bare / n).toFixed(2)} ms each`, value: bare / n },
        goal: '< 5 ms per step, ledger appends included',
        met: oursPerStep < 5,
        note: `(${commitsPerStep.toFixed(2)} durable commits per step; one raw commit took ${commitMs.toFixed(2)} ms in this run = ${(oursPerStep / commitMs).toFixed(1)} commits' worth)`,
      },
      {
        section: 'ledger.engine',
        name: `durable commits per sh step (${n} steps, counted by the run store and the ledger writer)`,
        value: commitsPerStep,
        unit: 'commits/step',
        goal: "≤ 2 a step (its start event with the previous result, its ledger intent with the previous result entry), plus ≤ 10 for the run's start and end",
        met: commitsPerStep <= 2 + 10 / n,
        note: `${run.commits} commits for the run, its start, leases and end included`,
      },
    ];
    const ansible = ensureAnsible();
    if (!ansible) {
      figs.push({
        section: 'ledger.engine',
        name: 'Ansible comparison',
        value: NaN,
        unit: '',
        note: 'ansible-core could not be installed on this machine: not measured',
      });
    } else {
      status(`ledger.engine: the same ${n} tasks through ansible-playbook (local connection)…`);
      const a = ansibleRun(dir, n);
      const aPerStep = (a - bare) / n;
      figs.push({
        section: 'ledger.engine',
        name: `Ansible overhead per task (${n} command: true tasks)`,
        value: aPerStep,
        unit: 'ms/step',
        baseline: { name: 'Runledger engine overhead per step, same run', value: oursPerStep },
        goal: 'Ansible ≥ 50× Runledger’s overhead per step',
        met: aPerStep / oursPerStep >= 50,
      });
    }
    statusDone();
    void outDir;
    return figs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
