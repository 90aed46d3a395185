// The CLI contract (commands, output, exit codes) on the embedded default, in-process through main(),
// plus the standalone runledger-verify bin as a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { checkReceipt, parseVkey, verifyConsistency, fromBase64 } from '@runledger/ledger';
import { main, type Io } from '../src/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'runledger-cli-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function rl(home: string, ...args: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), env: { RUNLEDGER_HOME: home, RUNLEDGER_ACTOR: 'alice' }, cwd: home, tty: false };
  const code = await main(args, io);
  return { code, out, err };
}

describe('runledger CLI', () => {
  const home = join(tmp(), 'data');

  it('init creates the ledger and the trust file', async () => {
    const r = await rl(home, 'init', '--origin', 'cli.test/ledger');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /initialised ledger cli\.test\/ledger/);
    assert.equal(
      parseVkey(
        readFileSync(join(home, 'trust.vkeys'), 'utf8')
          .split('\n')
          .find((l) => l.startsWith('cli.test'))!,
      ).name,
      'cli.test/ledger',
    );
    const again = await rl(home, 'init');
    assert.equal(again.code, 6);
    assert.match(again.err, /LEDGER_ALREADY_INITIALISED/);
  });

  it('init refuses an origin with a space (exit 2)', async () => {
    const r = await rl(join(tmp(), 'x'), 'init', '--origin', 'bad origin');
    assert.equal(r.code, 2);
    assert.match(r.err, /USAGE: --origin/);
  });

  it('ledger append prints the seq; a retried idempotency key returns the same seq', async () => {
    const a = await rl(home, 'ledger', 'append', '--type', 'release.announced', '--subject', 'release:1.4.2', '--data', '{"channel":"#ops"}', '--idem', 'k1');
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, '1\n');
    const b = await rl(home, 'ledger', 'append', '--type', 'release.announced', '--subject', 'release:1.4.2', '--data', '{"channel":"#ops"}', '--idem', 'k1');
    assert.equal(b.out, '1\n');
    assert.match(b.err, /already used/);
    const c = await rl(home, 'ledger', 'append', '--type', 'release.announced', '--data', '{"channel":"#other"}', '--idem', 'k1');
    assert.equal(c.code, 6);
    assert.match(c.err, /IDEMPOTENCY_CONFLICT/);
    for (let i = 0; i < 3; i++) assert.equal((await rl(home, 'ledger', 'append', '--type', 'ops.note', '--data', `{"i":${i}}`)).code, 0);
  });

  it('bad input names what is wrong (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['ledger', 'append', '--type', 'ops.note', '--data', '{"a":'], /INPUT_INVALID: --data: not valid JSON/],
      [['ledger', 'append', '--type', 'ops.note', '--data', '[1]'], /--data: expected a JSON object/],
      [['ledger', 'append', '--type', 'ops.note', '--subject', 'nocolon'], /--subject "nocolon": expected kind:id/],
      [['ledger', 'append', '--type', 'Not A Type'], /type must be a dotted lower-case name/],
      [['ledger', 'show', '--limit', 'ten'], /--limit "ten": expected a non-negative integer/],
      [['ledger', 'append', '--type', 'ledger.genesis'], /ledger\.genesis/],
      [['ledger', 'nope'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const r = await rl(home, ...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code} ${r.err}`);
      assert.match(r.err, re);
    }
  });

  it('ledger show prints a table, and byte-exact JSON lines with --json', async () => {
    const t = await rl(home, 'ledger', 'show');
    assert.match(t.out, /^SEQ\s+TIME\s+TYPE/);
    assert.match(t.out, /release\.announced\s+user:alice\s+release:1\.4\.2/);
    const j = await rl(home, 'ledger', 'show', '--json', '--from', '1', '--limit', '2');
    const lines = j.out.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0]!).seq, 1);
  });

  it('ledger head, proof and consistency print verifiable artefacts', async () => {
    const h = JSON.parse((await rl(home, 'ledger', 'head', '--json')).out) as { size: number; root: string; checkpoint: string };
    assert.equal(h.size, 5);
    const trusted = [
      parseVkey(
        readFileSync(join(home, 'trust.vkeys'), 'utf8')
          .split('\n')
          .find((l) => l.startsWith('cli.test'))!,
      ),
    ];
    const p = await rl(home, 'ledger', 'proof', '--index', '2');
    assert.equal(p.code, 0, p.err);
    assert.equal(checkReceipt(p.out, trusted).ok, true);
    const c = await rl(home, 'ledger', 'consistency', '--from', '2');
    const [old, neu, ...hashes] = c.out.trimEnd().split('\n');
    assert.equal(old, 'old 2');
    assert.equal(neu, 'new 5');
    const r2 = JSON.parse((await rl(home, 'ledger', 'show', '--json', '--from', '2', '--limit', '1')).out).prev as string;
    assert.equal(
      verifyConsistency(
        2,
        5,
        fromBase64(r2)!,
        fromBase64(h.root)!,
        hashes.map((x) => fromBase64(x)!),
      ),
      true,
    );
    const bad = await rl(home, 'ledger', 'proof', '--index', '9');
    assert.equal(bad.code, 2);
    const unsigned = await rl(home, 'ledger', 'consistency', '--from', '2', '--to', '99');
    assert.equal(unsigned.code, 2);
    assert.match(unsigned.err, /NOT_CHECKPOINTED/);
  });

  it('keys rotate, export, verify (and the standalone bin agrees)', async () => {
    const oldTrust = join(tmp(), 'trust-at-init.vkeys');
    writeFileSync(oldTrust, readFileSync(join(home, 'trust.vkeys')));
    const k = await rl(home, 'keys', 'rotate');
    assert.equal(k.code, 0, k.err);
    assert.match(k.out, /rotated: entry 5, handover checkpoint 6/);
    assert.equal((await rl(home, 'ledger', 'append', '--type', 'ops.note')).out, '6\n');
    const out = join(tmp(), 'bundle');
    const e = await rl(home, 'ledger', 'export', out);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /exported 7 entries/);
    assert.ok(existsSync(join(out, 'checkpoints', '00000000000000000006.note')), 'the handover checkpoint is exported');
    const v = await rl(home, 'verify', out, '--trust', oldTrust);
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /^verified origin=cli\.test\/ledger size=7 root=/);
    const check = await rl(home, 'ledger', 'check');
    assert.equal(check.code, 0, check.err);

    const bin = resolve(import.meta.dirname, '../../ledger/bin/runledger-verify.js');
    assert.ok(
      existsSync(resolve(import.meta.dirname, '../../ledger/dist/bin/verify-cli.js')),
      'packages/ledger/dist is missing: run `npm run build` (npm ci does it)',
    );
    const s = spawnSync(process.execPath, [bin, out, '--trust', oldTrust, '--json'], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).ok, true);

    // Tamper with the export: the same bin fails with reason and index, exit 1.
    const lines = readFileSync(join(out, 'entries.jsonl'), 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"i":1', '"i":7');
    writeFileSync(join(out, 'entries.jsonl'), lines.join('\n'));
    const t = spawnSync(process.execPath, [bin, out, '--trust', oldTrust], { encoding: 'utf8' });
    assert.equal(t.status, 1);
    assert.match(t.stdout, /^FAILED ENTRY_PREV_MISMATCH index=4 verifiedPrefix=0 /);
    const u = spawnSync(process.execPath, [bin, out], { encoding: 'utf8' });
    assert.equal(u.status, 2);
    assert.match(u.stderr, /--trust FILE is required/);
  });

  it('a key file readable by others is refused (exit 7)', async () => {
    const h2 = join(tmp(), 'data2');
    assert.equal((await rl(h2, 'init', '--origin', 'cli.test/two')).code, 0);
    const keyFile = join(h2, 'keys', (await import('node:fs')).readdirSync(join(h2, 'keys'))[0]!);
    (await import('node:fs')).chmodSync(keyFile, 0o644);
    const r = await rl(h2, 'ledger', 'append', '--type', 'ops.note');
    assert.equal(r.code, 7, r.err);
    assert.match(r.err, /KEY_FILE_INSECURE/);
    assert.match(r.err, /0644/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o644, 'nothing changed the file');
  });

  it('ledger check: an edited column or a dropped table is an integrity failure (exit 7) that names it', async () => {
    for (const [name, sqlText, pattern] of [
      [
        'type column',
        "DROP TRIGGER ledger_entries_no_update; UPDATE ledger_entries SET type = 'ops.hidden' WHERE seq = 1",
        /STORE_CORRUPT.*column type of entry 1/,
      ],
      ['dropped table', 'DROP TABLE ledger_nodes', /LEDGER_TABLE_MISSING.*ledger_nodes/],
    ] as const) {
      const h = join(tmp(), 'data-check');
      assert.equal((await rl(h, 'init', '--origin', 'cli.test/check')).code, 0);
      assert.equal((await rl(h, 'ledger', 'append', '--type', 'ops.note')).code, 0);
      assert.equal((await rl(h, 'ledger', 'check')).code, 0, name);
      const db = new BetterSqlite3(join(h, 'runledger.db'));
      db.exec(sqlText);
      db.close();
      const r = await rl(h, 'ledger', 'check');
      assert.equal(r.code, 7, `${name}: ${r.err}`);
      assert.match(r.err, pattern);
    }
  });

  it('a missing ledger is named (exit 5)', async () => {
    const r = await rl(join(tmp(), 'empty'), 'ledger', 'head');
    assert.equal(r.code, 5);
    assert.match(r.err, /LEDGER_NOT_INITIALISED/);
  });

  it('no command but init creates a database: each says where it looked and how to make one', async () => {
    const commands = [
      ['ledger', 'head'],
      ['ledger', 'show'],
      ['ledger', 'proof', '--index', '0'],
      ['ledger', 'consistency', '--from', '1'],
      ['ledger', 'check'],
      ['ledger', 'export', 'out'],
      ['ledger', 'append', '--type', 'ops.note'],
      ['keys', 'rotate'],
      ['runs'],
      ['show', 'abc'],
    ];
    for (const args of commands) {
      const base = tmp();
      const home = join(base, 'data');
      const r = await rl(home, ...args);
      assert.equal(r.code, 5, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /LEDGER_NOT_INITIALISED/, args.join(' '));
      assert.ok(r.err.includes(join(home, 'runledger.db')), `${args.join(' ')} names the file: ${r.err}`);
      assert.match(r.err, /runledger init/);
      assert.match(r.err, /--data-dir/);
      assert.equal(existsSync(home), false, `${args.join(' ')} created ${home}`);
    }
  });
});
