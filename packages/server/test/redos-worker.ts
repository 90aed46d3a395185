// The API under test for redos.test.ts, in a worker thread: if a request pins this thread's event
// loop, the test thread's loop stays free, so node:test's per-test timeout fails the test (and
// terminate() stops the worker). Requests come as messages; each answer is the response.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteFactory, tempDir } from '@runledger/testkit';
import { harness } from './helpers.js';

const port = parentPort;
if (!port) throw new Error('redos-worker runs as a worker thread');
const { runbooks } = workerData as { runbooks: Record<string, string> };
const dir = tempDir('runledger-redos-');
for (const [name, source] of Object.entries(runbooks)) writeFileSync(join(dir, name), source);
const h = await harness(await sqliteFactory.create(), { runbooksDir: dir });
port.on('message', (m: { id: number; method: 'GET' | 'POST'; url: string; role: keyof typeof h.tokens; body?: unknown } | 'close') => {
  if (m === 'close') {
    void h
      .close()
      .then(() => sqliteFactory.teardown())
      .then(() => port.close());
    return;
  }
  void h.inject({ method: m.method, url: m.url, token: h.tokens[m.role], body: m.body }).then(
    (r) => port.postMessage({ id: m.id, status: r.status, json: r.json }),
    (e: unknown) => port.postMessage({ id: m.id, status: 0, json: { thrown: String(e) } }),
  );
});
port.postMessage('ready');
