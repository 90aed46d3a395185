// Secrets never reach an API answer, in any form: a run started through the API whose step prints the
// secret in every form and whose failure reason quotes it; every answer about it (the run, its steps'
// output, its ledger entries, the ledger, the event stream, the run list) holds no form. A secret file
// holding a control character is refused with a coded error that does not quote it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pgFactory, sqliteFactory, tempDir, type FixtureFactory } from '@runledger/testkit';
import { formsOf, leaks } from '../../runtime/test/helpers/secret-forms.js';
import { assertError, harness, type Harness } from './helpers.js';

const SECRET = 'TopSecr3tValue-Api9';
const ENV = 'RUNLEDGER_TEST_LEAK_SECRET';

function catalogue(formsFile: string, nulFile: string): string {
  const dir = tempDir('runledger-leak-catalogue-');
  const script = [
    `cat '${formsFile}'`,
    'echo "plain {{ inputs.token }}"',
    'printf %s "{{ inputs.token }}" | od -An -tx1',
    'printf %s "{{ inputs.token }}" | fold -w 4',
    `cat '${formsFile}' >&2`,
  ].join('\n');
  writeFileSync(
    join(dir, 'leak.md'),
    `---\nid: leak\ntitle: Leak\ninputs:\n  token:\n    type: secret\n    from: { env: ${ENV} }\n---\n\n# Leak\n\n## Procedure\n\n\`\`\`sh {#forms}\n${script}\n\`\`\`\n\n` +
      `\`\`\`check {#verify}\ncommand:\n  run: printf %s "{{ inputs.token }}" | od -c\n  stdout_contains: "want {{ inputs.token }}"\n\`\`\`\n`,
  );
  writeFileSync(
    join(dir, 'nul.md'),
    `---\nid: nul\ntitle: Nul\ninputs:\n  key:\n    type: secret\n    from: { file: '${nulFile}' }\n---\n\n# Nul\n\n## Procedure\n\n\`\`\`sh {#use}\necho "{{ inputs.key }}"\n\`\`\`\n`,
  );
  return dir;
}

function suite(factory: FixtureFactory): void {
  describe(`secrets in API answers on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });

    it('no form of the secret in any answer about a run that printed it and failed quoting it', async () => {
      const work = tempDir('runledger-leak-');
      const formsFile = join(work, 'forms.txt');
      writeFileSync(formsFile, Object.values(formsOf(SECRET)).join('\n'));
      const fixture = await factory.create();
      const h = await harness(fixture, { runbooksDir: catalogue(formsFile, join(work, 'nul-key')) });
      open.push(h);
      process.env[ENV] = SECRET;
      let runId: string;
      const answers: Record<string, string> = {};
      try {
        const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'leak' } });
        assert.equal(r.status, 201, r.text);
        answers['POST /runs'] = r.text;
        runId = r.json.run.id;
        assert.equal(r.json.run.state, 'failed');
      } finally {
        delete process.env[ENV];
      }
      const get = async (url: string): Promise<string> => {
        const res = await h.inject({ url, token: h.tokens.viewer });
        assert.equal(res.status, 200, `${url}: ${res.text}`);
        return (answers[url] = res.text);
      };
      const run = JSON.parse(await get(`/api/v1/runs/${runId}`));
      assert.match(JSON.stringify(run), /stdout lacks \\"want •••••• \\"|stdout lacks \\"want ••••••\\"/, 'the failure reason quoted the value, masked');
      const out = await get(`/api/v1/runs/${runId}/steps/forms/output`);
      assert.ok(out.split('••••••').length > Object.keys(formsOf(SECRET)).length, 'every form was printed, and masked');
      await get(`/api/v1/runs/${runId}/steps/verify/output`);
      await get(`/api/v1/runs/${runId}/ledger`);
      await get(`/api/v1/runs/${runId}/events`);
      await get('/api/v1/runs?limit=50');
      await get('/api/v1/ledger/entries?limit=1000');
      for (const [url, text] of Object.entries(answers)) assert.deepEqual(leaks(text, SECRET), [], `${url} holds the secret: ${text.slice(0, 1500)}`);
      if (fixture.config.kind === 'sqlite') {
        for (const n of readdirSync(fixture.home).filter((x) => x.startsWith('runledger.db'))) {
          assert.deepEqual(leaks(readFileSync(join(fixture.home, n)).toString('latin1'), SECRET), [], `${n} holds the secret`);
        }
      }
    });

    it('a secret file holding a NUL is refused (INPUT_INVALID) without quoting it, and no run starts', async () => {
      const work = tempDir('runledger-leak-');
      const nulFile = join(work, 'nul-key');
      writeFileSync(nulFile, 'TopSecr3tValue\0tail\n');
      const h = await harness(await factory.create(), { runbooksDir: catalogue(join(work, 'none'), nulFile) });
      open.push(h);
      const r = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'nul' } });
      const e = assertError(r, 400, 'INPUT_INVALID');
      assert.match(e.message, /secret input key .* contains the control character U\+0000/);
      assert.deepEqual(leaks(r.text, 'TopSecr3tValue\0tail'), []);
      const runs = await h.inject({ url: '/api/v1/runs', token: h.tokens.viewer });
      assert.equal(runs.json.runs.length, 0, runs.text);
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
