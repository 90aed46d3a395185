// `npm run bench`: runs each section, prints figures with their same-run baselines, and rewrites
// BENCHMARKS.md with the latest results. `--quick` uses small sizes (a smoke run, not for the record);
// `--only a,b` (or bare names: `npm run bench -- backups`) picks sections.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fmt, ratio, type Figure } from './lib.js';

type Section = (ctx: { outDir: string; quick: boolean }) => Promise<Figure[]>;

const SECTIONS: Record<string, () => Promise<Section>> = {
  'ledger.verify': async () => {
    const { benchVerify } = await import('./verify.bench.js');
    return ({ outDir, quick }) => benchVerify(outDir, quick ? 100_000 : 1_000_000);
  },
  'ledger.append': async () => {
    const { benchAppend } = await import('./append.bench.js');
    return ({ outDir, quick }) => benchAppend(outDir, quick);
  },
  'ledger.engine': async () => {
    const { benchEngine } = await import('./engine.bench.js');
    return ({ outDir, quick }) => benchEngine(outDir, quick);
  },
  'ledger.evidence': async () => {
    const { benchEvidence } = await import('./evidence.bench.js');
    return () => benchEvidence();
  },
  'ledger.proofs': async () => {
    const { benchProofs } = await import('./proofs.bench.js');
    return ({ outDir, quick }) => benchProofs(outDir, quick ? 100_000 : 1_000_000);
  },
  redact: async () => {
    const { benchRedact } = await import('./redact.bench.js');
    return ({ quick }) => benchRedact(quick);
  },
  'operations.intake': async () => {
    const { benchIntake } = await import('./intake.bench.js');
    return ({ quick }) => benchIntake(quick);
  },
  'operations.timers': async () => {
    const { benchTimers } = await import('./operations.bench.js');
    return ({ quick }) => benchTimers(quick);
  },
  'operations.deliveries': async () => {
    const { benchDeliveries } = await import('./operations.bench.js');
    return ({ quick }) => benchDeliveries(quick);
  },
  'health.probes': async () => {
    const { benchHealthProbes } = await import('./health.bench.js');
    return ({ quick }) => benchHealthProbes(quick);
  },
  'health.slo': async () => {
    const { benchHealthSlo } = await import('./health.bench.js');
    return ({ quick }) => benchHealthSlo(quick);
  },
  releases: async () => {
    const { benchReleases } = await import('./releases.bench.js');
    return ({ quick }) => benchReleases(quick);
  },
  backups: async () => {
    const { benchBackups } = await import('./backups.bench.js');
    return ({ quick }) => benchBackups(quick);
  },
  api: async () => {
    const { benchApi } = await import('./api.bench.js');
    return ({ quick }) => benchApi(quick);
  },
};

function table(figs: readonly Figure[]): string {
  const rows = figs.map((f) => {
    const r = ratio(f);
    return `| ${f.section} | ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baseline ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.name})` : '—'} | ${r === undefined ? '—' : `${r.toFixed(2)}×`} | ${f.goal ?? '—'} | ${f.met === undefined ? '—' : f.met ? 'met' : '**not met**'} |${f.note ? ` ${f.note}` : ''}`;
  });
  return ['| section | figure | value | baseline (same run) | ratio | goal | result |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
  // A short name picks the section ending in it: `--only append` is ledger.append.
  const full = (n: string): string => (SECTIONS[n] ? n : (Object.keys(SECTIONS).find((k) => k.endsWith(`.${n}`)) ?? n));
  // Bare names pick sections too: `npm run bench -- backups`.
  const bare = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--only');
  const picked = [...(onlyArg ? onlyArg.split(',') : []), ...bare];
  const names = picked.length > 0 ? picked.map(full) : Object.keys(SECTIONS);
  const outDir = join(process.cwd(), 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const figures: Figure[] = [];
  for (const name of names) {
    const load = SECTIONS[name];
    if (!load) throw new Error(`unknown section ${name}; have ${Object.keys(SECTIONS).join(', ')}`);
    process.stderr.write(`== ${name}\n`);
    const figs = await (await load())({ outDir, quick });
    figures.push(...figs);
    for (const f of figs) {
      const r = ratio(f);
      process.stdout.write(
        `${f.section}: ${f.name}: ${fmt(f.value)} ${f.unit}${f.baseline ? ` = ${r!.toFixed(2)}× ${f.baseline.name} (${fmt(f.baseline.value)})` : ''}${f.goal ? ` [goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}]` : ''}\n`,
      );
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const stamp = new Date().toISOString();
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify({ stamp, machine, quick, figures }, null, 2));
  if (quick) {
    process.stderr.write('quick run: BENCHMARKS.md left as it is\n');
    return;
  }
  const path = join(process.cwd(), 'BENCHMARKS.md');
  let doc = readFileSync(path, 'utf8');
  for (const name of names) {
    const begin = `<!-- bench:${name}:begin -->`;
    const end = `<!-- bench:${name}:end -->`;
    const block = `${begin}\n_Last run: ${stamp} on ${machine}._\n\n${table(figures.filter((f) => f.section === name))}\n${end}`;
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    doc = a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(path, doc);
  process.stderr.write('BENCHMARKS.md updated\n');
}

await main();
