// User-supplied patterns cannot pin the server: a viewer's draft with a catastrophic forbid or input
// pattern is linted, and a run request whose input value is adversarial is refused, each in bounded
// time. The app runs in a worker thread (redos-worker.ts) so that a blocked event loop fails the
// test through its timeout instead of hanging the test process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CATASTROPHIC, UNSUPPORTED } from '../../core/test/helpers/redos.js';

const REQUEST_TIMEOUT = { timeout: 5000 };

function draft(front: string[], body: string): string {
  return ['---', 'id: redos', ...front, '---', '', '## Procedure', '', '```sh {#step}', body, '```', ''].join('\n');
}

const catalogue: Record<string, string> = {};
CATASTROPHIC.forEach(({ pattern }, i) => {
  catalogue[`redos-${i}.md`] = draft(['inputs:', `  v: {type: string, pattern: ${JSON.stringify(pattern)}}`], 'echo "{{ inputs.v }}"').replace(
    'id: redos',
    `id: redos-${i}`,
  );
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; json: any };

describe('user patterns through the API', () => {
  let worker: Worker;
  let next = 0;
  const waiting = new Map<number, (a: Answer) => void>();
  const call = (method: 'GET' | 'POST', url: string, body?: unknown, role = 'viewer'): Promise<Answer> => {
    const id = next++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      worker.postMessage({ id, method, url, role, body });
    });
  };

  before(async () => {
    // The worker loads TypeScript through tsx, as this file is (node --import tsx).
    const entry = new URL('./redos-worker.ts', import.meta.url).href;
    worker = new Worker(`import('tsx/esm/api').then((t) => t.tsImport(${JSON.stringify(entry)}, import.meta.url))`, {
      eval: true,
      execArgv: ['--conditions=source'],
      workerData: { runbooks: catalogue },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: 'ready' | ({ id: number } & Answer)) => {
        if (m === 'ready') return resolve();
        waiting.get(m.id)?.({ status: m.status, json: m.json });
        waiting.delete(m.id);
      });
    });
  });
  after(async () => {
    worker.postMessage('close');
    await new Promise((r) => setTimeout(r, 200));
    await worker.terminate();
  });

  for (const { pattern, subject, match } of CATASTROPHIC) {
    it(`POST /runbooks/lint: forbid ${pattern} against an adversarial step`, REQUEST_TIMEOUT, async () => {
      const lint = async (body: string): Promise<string[]> => {
        const r = await call('POST', '/api/v1/runbooks/lint', {
          source: draft(['forbid:', `  - pattern: ${JSON.stringify(pattern)}`, '    reason: no'], body),
        });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json.diagnostics.filter((d: { severity: string }) => d.severity === 'error').map((d: { code: string }) => d.code);
      };
      assert.deepEqual(await lint(subject), []);
      assert.deepEqual(await lint(match), ['RB_FORBIDDEN_IN_STEP']);
    });

    it(`POST /runbooks/lint: input pattern ${pattern} with an adversarial default`, REQUEST_TIMEOUT, async () => {
      const r = await call('POST', '/api/v1/runbooks/lint', {
        source: draft(['inputs:', `  v: {type: string, pattern: ${JSON.stringify(pattern)}, default: ${JSON.stringify(subject)}}`], 'echo "{{ inputs.v }}"'),
      });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.json.diagnostics.map((d: { code: string }) => d.code),
        ['RB_INPUT_DEFAULT_INVALID'],
      );
    });
  }

  it('POST /runs: an adversarial input value is INPUT_INVALID at /inputs/v, for every pattern', { timeout: 5000 * CATASTROPHIC.length }, async () => {
    for (let i = 0; i < CATASTROPHIC.length; i++) {
      const { subject } = CATASTROPHIC[i]!;
      const r = await call('POST', '/api/v1/runs', { runbook: `redos-${i}`, inputs: { v: subject } }, 'operator');
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'INPUT_INVALID');
      assert.deepEqual(
        r.json.error.details.map((d: { path: string; code: string }) => [d.path, d.code]),
        [['/inputs/v', 'RB_INPUT_INVALID']],
      );
    }
  });

  it('POST /runbooks/lint: backreferences and lookaround are RB_REGEX_UNSUPPORTED', REQUEST_TIMEOUT, async () => {
    for (const { pattern } of UNSUPPORTED) {
      const r = await call('POST', '/api/v1/runbooks/lint', { source: draft(['forbid:', `  - pattern: '${pattern}'`, '    reason: no'], 'true') });
      assert.equal(r.status, 200);
      assert.equal(r.json.ok, false);
      assert.deepEqual(
        r.json.diagnostics.map((d: { code: string; line: number }) => [d.code, d.line]),
        [['RB_REGEX_UNSUPPORTED', 4]],
        pattern,
      );
    }
  });
});
