// `runledger alerts raise`: a runbook step raises and resolves an alert through an internal integration;
// it opens the incident (severity from its labels), the resolve closes it, both bodies are in the ledger,
// and a wrong integration or a label without a name is a usage error naming it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import { cliRunner, fileIn } from './helpers.js';

after(() => removeTempDirs());

it('raises, resolves, and refuses what is not an internal integration', async () => {
  const root = tempDir('runledger-alerts-cli-');
  const home = join(root, 'data');
  const rl = cliRunner(root, home);
  assert.equal((await rl({}, 'init', '--origin', 'alerts-cli.test/ledger')).code, 0);
  fileIn(
    home,
    'operations.yaml',
    'integrations:\n  - name: steps\n    type: internal\n  - name: am\n    type: alertmanager\n    secret: env:AM\nreceivers:\n  - name: hook\n    chat: { url: "http://127.0.0.1:9/" }\nroute:\n  receiver: hook\n',
  );
  const env = { AM: 'x' };
  const raise = ['alerts', 'raise', '--integration', 'steps', '--label', 'alertname=BackupFailed', '--label', 'severity=critical', '--label', 'service=db'];
  const up = await rl(env, ...raise, '--annotation', 'summary=The nightly backup failed', '--json');
  assert.equal(up.code, 0, up.err);
  const r = JSON.parse(up.out) as { body: string; incidents: string[]; fingerprint: string };
  assert.equal(r.body, 'stored');
  assert.equal(r.incidents.length, 1);
  const list = JSON.parse((await rl(env, 'incidents', '--json')).out) as { id: string; severity: string; title: string }[];
  assert.deepEqual(
    list.map((i) => [i.id, i.severity, i.title]),
    [[r.incidents[0], 'SEV-1', 'The nightly backup failed']],
  );
  const down = await rl(env, ...raise, '--resolve');
  assert.equal(down.code, 0, down.err);
  assert.match(down.out, new RegExp(`resolved BackupFailed \\(${r.fingerprint}\\): incident ${r.incidents[0]}`));
  assert.equal(JSON.parse((await rl(env, 'incidents', '--state', 'all', '--json')).out)[0].state, 'resolved');

  const wrong = await rl(env, 'alerts', 'raise', '--integration', 'am', '--label', 'alertname=X');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--integration am: not an internal integration .*internal ones: steps/);
  const bad = await rl(env, 'alerts', 'raise', '--integration', 'steps', '--label', 'nameless');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--label "nameless": expected name=value/);

  const entries = await rl(env, 'ledger', 'show', '--json');
  assert.equal(entries.code, 0, entries.err);
  assert.equal((entries.out.match(/"type":"alert\.received"/g) ?? []).length, 2, 'both bodies are in the ledger');
});
