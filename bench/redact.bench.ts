// Redaction throughput: a step's output streamed through the redactor (every form of three secrets
// looked for), against SHA-256 over the same bytes (which the shell adapter does to every byte anyway).
import { createHash } from 'node:crypto';
import { Redactor } from '../packages/runtime/src/redact.js';
import { status, statusDone, type Figure } from './lib.js';

const SECRETS = ['TopSecr3tValue-abc', 'hunter2-Sup3r/S3cret+key', 'postgres://app:pw-9f8e7d@db/prod'];
const LINE = 'INFO 2026-12-07T10:00:00Z handled path=/api/v1/runs?q=a%20b status=200 bytes=1234 {"msg":"ok\\n","id":"\\u0041"} sha=9f86d081884c7d65\n';

function best(runs: number, fn: () => void): number {
  let bestMs = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return bestMs;
}

export async function benchRedact(quick: boolean): Promise<Figure[]> {
  const data = Buffer.from(LINE.repeat(Math.ceil(((quick ? 2 : 32) * 2 ** 20) / LINE.length)));
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 64 * 1024) chunks.push(data.subarray(i, i + 64 * 1024));
  const r = new Redactor(SECRETS);
  const mb = data.length / 2 ** 20;
  status(`redact: streaming ${mb.toFixed(0)} MiB`);
  const redactMs = best(3, () => {
    const s = r.stream();
    for (const c of chunks) s.push(c);
    s.end();
  });
  const hashMs = best(3, () => {
    const h = createHash('sha256');
    for (const c of chunks) h.update(c);
    h.digest();
  });
  const detail = LINE.trim();
  const n = quick ? 2000 : 20000;
  const callMs = best(3, () => {
    for (let i = 0; i < n; i++) r.redact(detail);
  });
  const stringifyMs = best(3, () => {
    for (let i = 0; i < n; i++) JSON.stringify({ detail });
  });
  statusDone();
  return [
    {
      section: 'redact',
      name: 'stream throughput (3 secrets, every form)',
      value: mb / (redactMs / 1000),
      unit: 'MiB/s',
      baseline: { name: 'SHA-256 of the same bytes', value: mb / (hashMs / 1000) },
    },
    {
      section: 'redact',
      name: `redact() of a ${detail.length}-char detail`,
      value: (n / callMs) * 1000,
      unit: 'calls/s',
      baseline: { name: 'JSON.stringify of it', value: (n / stringifyMs) * 1000 },
    },
  ];
}
