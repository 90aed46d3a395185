// Release overhead: what Runledger adds to a release whose runbooks do nothing — the release record,
// its facts and ledger entries, the gate decisions, the checklist gate and the bake machinery — beside
// the same two runbooks (deploy, verify gate) run bare by the same engine in the same run. With a bake
// window of 0 the difference is the overhead; with a 200 ms window, the overhead plus the window.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunbook } from '@runledger/core';
import { initLedger, openEngine, pumpOutbox, releaseRunner, ReleaseDriver, type EngineContext } from '@runledger/runtime';
import { status, statusDone, type Figure } from './lib.js';

const runbook = (id: string): string =>
  `---\nid: ${id}\ntitle: ${id}\ninputs:\n  version: {type: string, default: ''}\nenvironments: [staging]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main}\ntrue\n\`\`\`\n`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function bare(ctx: EngineContext, books: string): Promise<number> {
  const t = performance.now();
  for (const id of ['deploy', 'verify']) {
    const source = runbook(id);
    const p = parseRunbook(source, join(books, `${id}.md`));
    if (!p.ok) throw new Error('bench runbook does not parse');
    const out = await ctx.engine.start({
      runbook: p.runbook,
      source,
      inputs: { version: '1.0.0' },
      secrets: {},
      environment: 'staging',
      who: { actor: { kind: 'user', id: 'bench' }, roles: ['operator'] },
    });
    if (out.model.state !== 'succeeded') throw new Error(`bare run ${id} ended ${out.model.state}`);
  }
  return performance.now() - t;
}

export async function benchReleases(quick: boolean): Promise<Figure[]> {
  const n = quick ? 5 : 25;
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-releases-'));
  const home = join(dir, 'home');
  const books = join(dir, 'runbooks');
  mkdirSync(books);
  for (const id of ['deploy', 'verify', 'rollback']) writeFileSync(join(books, `${id}.md`), runbook(id));
  const env = { ...process.env, RUNLEDGER_HOME: home } as Record<string, string | undefined>;
  delete env.RUNLEDGER_DATABASE_URL;
  await initLedger({ env, home }, { origin: 'bench.runledger.local/releases', actor: { kind: 'system', id: 'bench' } });
  const ctx = await openEngine({ env, home, cwd: dir });
  let bakeMs = 0;
  const runner = releaseRunner({ runs: ctx.runs, runbooksDir: books, start: (req) => ctx.engine.start(req), pollMs: 5 });
  const driver: ReleaseDriver = new ReleaseDriver({
    store: ctx.ledger.store,
    pump: () => pumpOutbox(driver.service.outbox, (d) => ctx.ledger.writer!.append(d)).then(() => undefined),
    ports: {
      ...runner,
      // The checklist gate holds at once: what is measured is the release machinery around it.
      evaluateChecklist: async () => ({ passed: true }),
      verifyLedger: async () => ({ ok: true, at: new Date().toISOString() }),
      observe: async () => [],
      defaults: () => ({
        gates: { runbooks: ['verify'], checklist: 'healthy' },
        runbooks: { deploy: 'deploy', rollback: 'rollback' },
        bake: { durationMs: bakeMs, autoRollback: 'off' },
      }),
    },
  });
  driver.start(1000);
  const release = async (i: number, bake: number): Promise<number> => {
    bakeMs = bake;
    const t = performance.now();
    const r = await driver.service.create({
      service: 'bench',
      env: 'staging',
      version: `1.0.${i}`,
      artifact: { ref: `bench:1.0.${i}`, digest: `sha256:${'a'.repeat(64)}` },
      requestedBy: 'bench',
    });
    await driver.service.deploy(r.id, 'bench');
    const done = await driver.settled(r.id, 1);
    const ms = performance.now() - t;
    if (done.state !== 'announced') throw new Error(`bench release ended ${done.state}: ${JSON.stringify(done.failure)}`);
    return ms;
  };
  const out: Figure[] = [];
  try {
    // Warm both paths, then interleave them so disk and CPU noise falls on both alike.
    await bare(ctx, books);
    await release(0, 0);
    const bareMs: number[] = [];
    const relMs: number[] = [];
    const bakedMs: number[] = [];
    for (let i = 1; i <= n; i++) {
      status(`releases: ${i}/${n}`);
      bareMs.push(await bare(ctx, books));
      relMs.push(await release(i, 0));
      bakedMs.push(await release(1000 + i, 200));
    }
    statusDone();
    const b = median(bareMs);
    const r = median(relMs);
    const baked = median(bakedMs);
    await pumpOutbox(driver.service.outbox, (d) => ctx.ledger.writer!.append(d));
    out.push(
      {
        section: 'releases',
        name: 'release with no-op runbooks, bake 0 (create → deploy → gates → announced)',
        value: r,
        unit: 'ms',
        baseline: { name: 'the same deploy and verify runbooks run bare', value: b },
        goal: 'overhead (release − bare) < 50 ms',
        met: r - b < 50,
        note: `overhead ${(r - b).toFixed(1)} ms (median of ${n}; 2 runbook gates incl. deploy, a checklist gate, the bake gate, ~12 ledger entries)`,
      },
      {
        section: 'releases',
        name: 'release with no-op runbooks, bake 200 ms',
        value: baked,
        unit: 'ms',
        baseline: { name: 'the same runbooks run bare', value: b },
        goal: 'release − bare < 50 ms + 200 ms bake',
        met: baked - b < 250,
        note: `overhead beyond the bake window ${(baked - b - 200).toFixed(1)} ms`,
      },
    );
  } finally {
    await driver.stop();
    await driver.idle();
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
