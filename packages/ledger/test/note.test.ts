// C2SP signed-note (Ed25519) and tlog-checkpoint.
// Vectors: golang.org/x/mod/sumdb/note — the package documentation example (PeterNeumann skey/vkey,
// message and signature line; the doubly-signed message with the EnochRoot line) and note_test.go
// (TestNewVerifier/TestNewSigner manglings, TestOpen's malformed messages, the "ABCD" corrupted
// signature, the EnochRoot vkey); golang.org/x/mod/sumdb/tlog note_test.go (tree size 123456789012 with
// root RecordHash("hello world")); the C2SP signed-note and tlog-checkpoint documents (example note with
// a blank line in its text, example checkpoint, the origin/size/extension-line rules).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import {
  LedgerError,
  SIG_PREFIX,
  checkNoteSignatures,
  formatCheckpoint,
  generateSigner,
  isValidKeyName,
  keyIdHex,
  keyIdOf,
  leafHash,
  openNote,
  parseCheckpointText,
  parseNote,
  parseSignedCheckpoint,
  parseSkey,
  parseVkey,
  signCheckpoint,
  signNote,
  signatureLine,
  signerFromSeed,
  type SignerKey,
  type VerifierKey,
} from '@runledger/ledger';

const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** Go's test inserts "ABCD" at byte 60 of the signature line (bytes, not UTF-16 units: "—" is 3 bytes). */
function insertAtByte(s: string, at: number, what: string): string {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([b.subarray(0, at), Buffer.from(what), b.subarray(at)]).toString('utf8');
}

function isLedgerError(code: string) {
  return (e: unknown): boolean => e instanceof LedgerError && e.code === code;
}

const peter = parseVkey(PETER_VKEY);
const enoch = parseVkey(ENOCH_VKEY);

describe('x/mod sumdb/note documentation example', () => {
  test('the skey parses to the documented key and vkey', () => {
    const s = parseSkey(PETER_SKEY);
    assert.equal(s.name, 'PeterNeumann');
    assert.equal(s.keyId, 0xc74f20a3);
    assert.equal(keyIdHex(s.keyId), 'c74f20a3');
    assert.equal(s.vkey, PETER_VKEY);
    assert.equal(s.skey, PETER_SKEY);
    assert.equal(
      Buffer.from(s.publicKey).toString('base64'),
      Buffer.from('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'base64').subarray(1).toString('base64'),
    );
  });

  test('signing the documented message reproduces the signature line byte for byte', () => {
    const s = parseSkey(PETER_SKEY);
    assert.equal(signatureLine(TEXT, s), PETER_SIG);
    const signed = signNote(TEXT, [s]);
    assert.equal(signed, `${TEXT}\n${PETER_SIG}`);
    assert.equal(Buffer.from(signed, 'utf8').toString('hex').slice(-8), Buffer.from('AM=\n').toString('hex'));
    // The em dash is U+2014, UTF-8 e2 80 94, followed by a space.
    assert.equal(SIG_PREFIX, '\u2014 ');
    assert.equal(Buffer.from(PETER_SIG, 'utf8').subarray(0, 4).toString('hex'), 'e2809420');
  });

  test('the vkey parses, and its key ID is SHA-256(name || 0x0A || 0x01 || key)[:4]', () => {
    assert.equal(peter.name, 'PeterNeumann');
    assert.equal(peter.keyId, 0xc74f20a3);
    assert.equal(peter.vkey, PETER_VKEY);
    assert.equal(peter.publicKey.byteLength, 32);
    const manual = createHash('sha256')
      .update('PeterNeumann')
      .update(Buffer.from([0x0a, 0x01]))
      .update(peter.publicKey)
      .digest();
    assert.equal(manual.readUInt32BE(0), 0xc74f20a3);
    assert.equal(keyIdOf('PeterNeumann', peter.publicKey), 0xc74f20a3);
    assert.equal(enoch.keyId, 0xaf0cfe78);
    assert.equal(keyIdOf('EnochRoot', enoch.publicKey), 0xaf0cfe78);
    // The name is part of the ID: the same key under another name has another ID.
    assert.notEqual(keyIdOf('PeterNeumann2', peter.publicKey), 0xc74f20a3);
    assert.equal(keyIdHex(0x0000abcd), '0000abcd');
  });

  test('openNote verifies the documented note', () => {
    const { note, signers } = openNote(`${TEXT}\n${PETER_SIG}`, [peter]);
    assert.equal(note.text, TEXT);
    assert.deepEqual(
      signers.map((s) => s.vkey),
      [PETER_VKEY],
    );
    assert.equal(note.signatures.length, 1);
    assert.equal(note.signatures[0]!.name, 'PeterNeumann');
    assert.equal(note.signatures[0]!.keyId, 0xc74f20a3);
    assert.equal(note.signatures[0]!.line, PETER_SIG.slice(0, -1));
    assert.equal(note.signatures[0]!.signature.byteLength, 64);
  });

  test('the doubly-signed example: an unknown signer line is ignored, a known one verifies', () => {
    const msg = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    assert.deepEqual(
      openNote(msg, [peter]).signers.map((s) => s.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(
      openNote(msg, [enoch]).signers.map((s) => s.name),
      ['EnochRoot'],
    );
    assert.deepEqual(
      openNote(msg, [peter, enoch]).signers.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    );
    assert.throws(() => openNote(msg, []), isLedgerError('NOTE_UNTRUSTED'));
    const check = checkNoteSignatures(parseNote(msg), [peter]);
    assert.deepEqual(
      check.valid.map((v) => v.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(check.invalid, []);
  });

  test('TestOpen: a corrupted signature from a known key rejects the note', () => {
    const bad = insertAtByte(PETER_SIG, 60, 'ABCD');
    assert.notEqual(bad, PETER_SIG);
    assert.throws(() => openNote(`${TEXT}\n${bad}`, [peter]), isLedgerError('NOTE_SIGNATURE_INVALID'));
    // Even when another known key signed correctly.
    assert.throws(() => openNote(`${TEXT}\n${ENOCH_SIG}${bad}`, [peter, enoch]), isLedgerError('NOTE_SIGNATURE_INVALID'));
    // The same corrupted line from a key we do not know is ignored.
    assert.deepEqual(
      openNote(`${TEXT}\n${bad}${ENOCH_SIG}`, [enoch]).signers.map((s) => s.name),
      ['EnochRoot'],
    );
    const check = checkNoteSignatures(parseNote(`${TEXT}\n${bad}${ENOCH_SIG}`), [peter, enoch]);
    assert.deepEqual(
      check.invalid.map((v) => v.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(
      check.valid.map((v) => v.name),
      ['EnochRoot'],
    );
  });

  test('TestOpen: duplicated verified and unverified signatures', () => {
    const enochABCD = insertAtByte(ENOCH_SIG, 60, 'ABCD');
    const { signers } = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochABCD}`, [peter]);
    assert.ok(signers.length >= 1);
    assert.ok(signers.every((s) => s.vkey === PETER_VKEY));
  });

  test('TestOpen: malformed messages are rejected as malformed', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      // Our own additions in the same spirit.
      '',
      '\n\n',
      `${TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n\u2014 PeterNeumann\n`,
      `${TEXT}\n\u2014 PeterNeumann \n`,
      `${TEXT}\n\u2014  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n`,
      `${TEXT}\n\u2014 PeterNeumann AAAA\n`,
      `${TEXT}\n\u2014 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `If you think\tcryptography is the answer\n\n${PETER_SIG}`,
      `${TEXT}\n${PETER_SIG}\n`,
    ];
    for (const msg of bad) {
      assert.throws(() => openNote(msg, [peter]), isLedgerError('NOTE_MALFORMED'), JSON.stringify(msg));
      assert.throws(() => parseNote(msg), isLedgerError('NOTE_MALFORMED'), JSON.stringify(msg));
    }
  });

  test('TestNewVerifier: every substring and every single-byte increment of the vkey is rejected', () => {
    let tried = 0;
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        const k = PETER_VKEY.slice(i, j);
        assert.throws(() => parseVkey(k), isLedgerError('KEY_INVALID'), k);
        tried++;
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const k = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      assert.throws(() => parseVkey(k), isLedgerError('KEY_INVALID'), k);
      tried++;
    }
    assert.ok(tried > 2000);
    // Go's two hand-made cases: wrong key length and unknown algorithm, each with a matching key hash.
    assert.throws(() => parseVkey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), isLedgerError('KEY_INVALID'));
    assert.throws(() => parseVkey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), isLedgerError('KEY_INVALID'));
  });

  test('TestNewSigner: every substring and every single-byte increment of the skey is rejected', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        const k = PETER_SKEY.slice(i, j);
        assert.throws(() => parseSkey(k), isLedgerError('KEY_INVALID'), k);
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const k = PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      assert.throws(() => parseSkey(k), isLedgerError('KEY_INVALID'), k);
    }
  });
});

describe('keys', () => {
  const pubB64 = (alg: number, pub: Uint8Array): string => Buffer.concat([Buffer.of(alg), pub]).toString('base64');
  const idFor = (name: string, alg: number, pub: Uint8Array): string =>
    createHash('sha256')
      .update(name)
      .update(Buffer.from([0x0a, alg]))
      .update(pub)
      .digest()
      .subarray(0, 4)
      .toString('hex');

  test('vkey parse errors: wrong ID, wrong algorithm byte, bad base64, invalid names', () => {
    const pub = peter.publicKey;
    const ok = `PeterNeumann+${idFor('PeterNeumann', 1, pub)}+${pubB64(1, pub)}`;
    assert.equal(parseVkey(ok).vkey, PETER_VKEY, 'precondition: the hand-built vkey is the documented one');
    const bad: Array<[string, string]> = [
      ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'ID off by one'],
      ['PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'ID in upper case (the spec says lowercase; Go would accept it)'],
      ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'ID of 7 digits'],
      ['PeterNeumann+0c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'ID of 9 digits'],
      ['PeterNeumann+xyz4f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'ID not hex'],
      [`PeterNeumann+${idFor('PeterNeumann', 2, pub)}+${pubB64(2, pub)}`, 'algorithm byte 0x02 with a matching ID'],
      [`PeterNeumann+${idFor('PeterNeumann', 0, pub)}+${pubB64(0, pub)}`, 'algorithm byte 0x00 with a matching ID'],
      [`PeterNeumann+${idFor('PeterNeumann', 1, pub)}+${Buffer.from(pub).toString('base64')}`, 'no algorithm byte'],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', 'base64 cut short'],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=', 'base64 with stray padding'],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW', 'base64url alphabet'],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq*LDE4izWy10TW', 'not base64'],
      ['PeterNeumann+c74f20a3+', 'no key'],
      ['PeterNeumann+c74f20a3', 'two parts'],
      ['PeterNeumann', 'one part'],
      ['', 'empty'],
      [`+${idFor('', 1, pub)}+${pubB64(1, pub)}`, 'empty name'],
      [`Peter Neumann+${idFor('Peter Neumann', 1, pub)}+${pubB64(1, pub)}`, 'name with a space, matching ID'],
      [`Peter\u00a0Neumann+${idFor('Peter\u00a0Neumann', 1, pub)}+${pubB64(1, pub)}`, 'name with a no-break space, matching ID'],
      [`Peter+Neumann+${idFor('Peter+Neumann', 1, pub)}+${pubB64(1, pub)}`, "name with '+', matching ID"],
      [`Peter\u0007Neumann+${idFor('Peter\u0007Neumann', 1, pub)}+${pubB64(1, pub)}`, 'name with a control character, matching ID'],
    ];
    for (const [k, why] of bad) assert.throws(() => parseVkey(k), isLedgerError('KEY_INVALID'), why);
  });

  test('skey parse errors', () => {
    const bad: Array<[string, string]> = [
      ['PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'ID off by one'],
      ['PRIVATE+KEY+PeterNeumann2+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'another name (the ID covers the name)'],
      ['private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'lowercase PRIVATE+KEY'],
      ['PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'no PRIVATE+KEY prefix'],
      ['PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'algorithm byte 0x02'],
      ['PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF', 'base64 cut short'],
      [PETER_VKEY, 'a vkey'],
    ];
    for (const [k, why] of bad) assert.throws(() => parseSkey(k), isLedgerError('KEY_INVALID'), why);
    assert.throws(() => signerFromSeed('a b', new Uint8Array(32)), isLedgerError('KEY_INVALID'));
    assert.throws(() => signerFromSeed('a+b', new Uint8Array(32)), isLedgerError('KEY_INVALID'));
    assert.throws(() => signerFromSeed('', new Uint8Array(32)), isLedgerError('KEY_INVALID'));
    assert.throws(() => signerFromSeed('ok', new Uint8Array(31)), isLedgerError('KEY_INVALID'));
    assert.throws(() => signerFromSeed('ok', new Uint8Array(33)), isLedgerError('KEY_INVALID'));
  });

  test('key names: non-empty, no Unicode spaces, no plus, no control characters', () => {
    for (const good of ['PeterNeumann', 'runledger.example.com/prod', 'example.com/log42', 'ünïcödé', 'a', 'a/b:c@d_e-f', '\u2014']) {
      assert.ok(isValidKeyName(good), good);
    }
    for (const bad of ['', ' ', 'a b', 'a+b', '+', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u2028b', 'a\u0085b', 'a\u0000b', 'a\u007fb', 'ab ']) {
      assert.equal(isValidKeyName(bad), false, JSON.stringify(bad));
    }
  });

  test('generated keys round-trip through their skey and vkey texts', () => {
    for (let i = 0; i < 5; i++) {
      const s = generateSigner('runledger.example.com/prod');
      const again = parseSkey(s.skey);
      assert.equal(again.vkey, s.vkey);
      assert.equal(again.skey, s.skey);
      const v = parseVkey(s.vkey);
      assert.equal(v.keyId, s.keyId);
      assert.equal(v.keyId, keyIdOf(s.name, s.publicKey));
      assert.match(s.vkey, /^runledger\.example\.com\/prod\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      assert.match(s.skey, /^PRIVATE\+KEY\+runledger\.example\.com\/prod\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      assert.equal(openNote(signNote('hello\n', [again]), [v]).signers[0]!.vkey, s.vkey);
    }
    // Surrounding whitespace (a trailing newline in a key file) is tolerated.
    assert.equal(parseVkey(`${PETER_VKEY}\n`).vkey, PETER_VKEY);
    assert.equal(parseSkey(`${PETER_SKEY}\n`).vkey, PETER_VKEY);
  });
});

describe('openNote', () => {
  const a = generateSigner('a.example/log');
  const b = generateSigner('b.example/witness');
  const va = parseVkey(a.vkey);
  const vb = parseVkey(b.vkey);
  const text = 'a.example/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  test('unknown signers are ignored; a valid known signature is enough', () => {
    const note = signNote(text, [b, a]);
    assert.deepEqual(
      openNote(note, [va]).signers.map((s) => s.vkey),
      [a.vkey],
    );
    assert.deepEqual(
      openNote(note, [vb]).signers.map((s) => s.vkey),
      [b.vkey],
    );
    assert.deepEqual(
      openNote(note, [va, vb]).signers.map((s) => s.vkey),
      [b.vkey, a.vkey],
    );
  });

  test('no known signer rejects', () => {
    assert.throws(() => openNote(signNote(text, [b]), [va]), isLedgerError('NOTE_UNTRUSTED'));
    assert.throws(() => openNote(signNote(text, [a]), []), isLedgerError('NOTE_UNTRUSTED'));
    assert.throws(() => openNote(`${TEXT}\n${PETER_SIG}`, [va, vb, enoch]), isLedgerError('NOTE_UNTRUSTED'));
  });

  test('a bad signature from a known key rejects, whatever else verifies', () => {
    const good = signNote(text, [a, b]);
    const otherText = signNote('a.example/log\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', [a]);
    const foreignLine = otherText.slice(otherText.lastIndexOf('\n\n') + 2);
    // a's signature over another text, next to b's valid one.
    const forged = `${text}\n${foreignLine}${signatureLine(text, b)}`;
    assert.throws(() => openNote(forged, [va, vb]), isLedgerError('NOTE_SIGNATURE_INVALID'));
    assert.throws(() => openNote(forged, [va]), isLedgerError('NOTE_SIGNATURE_INVALID'));
    assert.deepEqual(
      openNote(forged, [vb]).signers.map((s) => s.vkey),
      [b.vkey],
    );
    // Every single-bit flip in a's signature bytes is caught.
    const line = signatureLine(text, a).slice(0, -1);
    const raw = Buffer.from(line.slice(line.lastIndexOf(' ') + 1), 'base64');
    for (let bit = 32; bit < raw.length * 8; bit += 7) {
      const c = Buffer.from(raw);
      c[bit >> 3]! ^= 1 << (bit & 7);
      const note = `${text}\n${SIG_PREFIX}${a.name} ${c.toString('base64')}\n`;
      assert.throws(() => openNote(note, [va]), isLedgerError('NOTE_SIGNATURE_INVALID'), `bit ${bit}`);
    }
    // A signature of the wrong length from a known key is a bad signature, not an ignorable one.
    const short = Buffer.concat([raw.subarray(0, 4), raw.subarray(4, 60)]).toString('base64');
    assert.throws(() => openNote(`${text}\n${SIG_PREFIX}${a.name} ${short}\n`, [va]), isLedgerError('NOTE_SIGNATURE_INVALID'));
    assert.ok(openNote(good, [va, vb]));
  });

  test('a line that shares only the name or only the key ID with a known key is ignored (C2SP signed-note)', () => {
    const line = signatureLine(text, a).slice(0, -1);
    const raw = Buffer.from(line.slice(line.lastIndexOf(' ') + 1), 'base64');
    const otherId = Buffer.from(raw);
    otherId.writeUInt32BE((a.keyId + 1) % 2 ** 32, 0);
    const sameNameOtherId = `${SIG_PREFIX}${a.name} ${otherId.toString('base64')}\n`;
    const otherNameSameId = `${SIG_PREFIX}someone.else ${raw.toString('base64')}\n`;
    assert.throws(() => openNote(`${text}\n${sameNameOtherId}`, [va]), isLedgerError('NOTE_UNTRUSTED'));
    assert.throws(() => openNote(`${text}\n${otherNameSameId}`, [va]), isLedgerError('NOTE_UNTRUSTED'));
    assert.deepEqual(
      openNote(`${text}\n${sameNameOtherId}${otherNameSameId}${signatureLine(text, a)}`, [va]).signers.map((s) => s.vkey),
      [a.vkey],
    );
  });

  test('the signature covers the text with its final newline, not the blank line', () => {
    const note = signNote(text, [a]);
    assert.ok(note.startsWith(`${text}\n${SIG_PREFIX}`));
    const sig = Buffer.from(note.slice(note.lastIndexOf(' ') + 1, -1), 'base64').subarray(4);
    assert.ok(verify(null, Buffer.from(text), va.keyObject, sig));
    assert.equal(verify(null, Buffer.from(`${text}\n`), va.keyObject, sig), false);
    assert.equal(verify(null, Buffer.from(text.slice(0, -1)), va.keyObject, sig), false);
  });

  test('Ed25519 signing is deterministic and signNote keeps key order', () => {
    assert.equal(signNote(text, [a, b]), signNote(text, [a, b]));
    const two = signNote(text, [a, b]);
    assert.equal(two, `${text}\n${signatureLine(text, a)}${signatureLine(text, b)}`);
  });

  test('signNote refuses text it could not round-trip and an empty key list', () => {
    assert.throws(() => signNote('abc', [a]), isLedgerError('NOTE_MALFORMED'));
    assert.throws(() => signNote('', [a]), isLedgerError('NOTE_MALFORMED'));
    assert.throws(() => signNote('a\u0001b\n', [a]), isLedgerError('NOTE_MALFORMED'));
    assert.throws(() => signNote('a\rb\n', [a]), isLedgerError('NOTE_MALFORMED'));
    assert.throws(() => signNote('ok\n', []), isLedgerError('KEY_INVALID'));
  });

  test('a note text may contain blank lines: the last blank line separates the signatures (C2SP example)', () => {
    const quasimodo =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n\n' +
      '\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const n = parseNote(quasimodo);
    assert.equal(n.text, 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n');
    assert.equal(n.signatures.length, 1);
    assert.equal(n.signatures[0]!.name, 'quasimodo.example/salvatore');
    assert.equal(n.signatures[0]!.signature.byteLength, 64);
    assert.throws(() => openNote(quasimodo, [va]), isLedgerError('NOTE_UNTRUSTED'));
    // And our own signature over such a text verifies.
    const t2 = 'line one\n\nline three\n';
    assert.equal(openNote(signNote(t2, [a]), [va]).note.text, t2);
  });

  test('at least 16 signatures are accepted (C2SP signed-note)', () => {
    const witnesses: SignerKey[] = Array.from({ length: 15 }, (_, i) => generateSigner(`w${i}.example`));
    const note = signNote(text, [...witnesses, a]);
    assert.equal(parseNote(note).signatures.length, 16);
    assert.deepEqual(
      openNote(note, [va]).signers.map((s) => s.vkey),
      [a.vkey],
    );
    const all: VerifierKey[] = [...witnesses.map((w) => parseVkey(w.vkey)), va];
    assert.equal(openNote(note, all).signers.length, 16);
  });
});

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  const helloRoot = leafHash(Buffer.from('hello world'));

  test('format: origin, decimal size, base64 root, each ending in a newline (Go tlog FormatTree lines)', () => {
    assert.equal(Buffer.from(helloRoot).toString('base64'), 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    assert.equal(
      formatCheckpoint({ origin: 'example.com/log', size: 123456789012, root: helloRoot }),
      'example.com/log\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
    );
    assert.equal(formatCheckpoint({ origin: 'o', size: 0, root: new Uint8Array(32) }), 'o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    assert.equal(formatCheckpoint({ origin: 'o', size: 2 ** 53 - 1, root: helloRoot }).split('\n')[1], '9007199254740991');
  });

  test('format rejects what it could not parse back', () => {
    const root = helloRoot;
    for (const origin of ['', 'a b', 'a+b', 'a\nb']) {
      assert.throws(() => formatCheckpoint({ origin, size: 1, root }), isLedgerError('CHECKPOINT_MALFORMED'), JSON.stringify(origin));
    }
    for (const size of [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => formatCheckpoint({ origin: 'o', size, root }), isLedgerError('CHECKPOINT_MALFORMED'), String(size));
    }
    for (const len of [0, 31, 33, 64]) {
      assert.throws(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(len) }), isLedgerError('CHECKPOINT_MALFORMED'), `root of ${len} bytes`);
    }
  });

  test('parse: the C2SP example and the Go tlog tree text', () => {
    const cp = parseCheckpointText('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    assert.equal(cp.origin, 'example.com/behind-the-sofa');
    assert.equal(cp.size, 20852163);
    assert.equal(Buffer.from(cp.root).toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    const go = parseCheckpointText('example.com/log\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n');
    assert.equal(go.size, 123456789012);
    assert.equal(Buffer.from(go.root).toString('hex'), Buffer.from(helloRoot).toString('hex'));
    assert.deepEqual(Object.keys(go).sort(), ['origin', 'root', 'size']);
  });

  test('parse: extension lines are tolerated and kept out of the result', () => {
    const base = 'example.com/log\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
    for (const ext of ['JOE\n', 'JOE\nJIM\n', 'JOE\n'.repeat(1000), 'extension with spaces and + signs\n', '\u2014 looks like a signature\n']) {
      const cp = parseCheckpointText(base + ext);
      assert.equal(cp.origin, 'example.com/log');
      assert.equal(cp.size, 123456789012);
      assert.equal(Buffer.from(cp.root).toString('base64'), 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
      assert.deepEqual(Object.keys(cp).sort(), ['origin', 'root', 'size']);
    }
  });

  test('parse: malformed sizes are rejected', () => {
    const root = 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=';
    for (const size of [
      '01',
      '00',
      '-1',
      '-0',
      '+1',
      '1.0',
      '1e3',
      '0x10',
      '0xabcdef',
      ' 1',
      '1 ',
      '',
      '9007199254740992',
      '9007199254740993',
      '18446744073709551616',
      '\u0661',
      'NaN',
      'Infinity',
      '1_000',
    ]) {
      assert.throws(() => parseCheckpointText(`example.com/log\n${size}\n${root}\n`), isLedgerError('CHECKPOINT_MALFORMED'), JSON.stringify(size));
    }
    for (const [text, size] of [
      ['0', 0],
      ['1', 1],
      ['10', 10],
      ['9007199254740991', 2 ** 53 - 1],
    ] as const) {
      assert.equal(parseCheckpointText(`example.com/log\n${text}\n${root}\n`).size, size);
    }
  });

  test('parse: malformed origins, roots and line structure are rejected', () => {
    const root = 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=';
    const bad = [
      `\n1\n${root}\n`,
      `go.sum database tree\n1\n${root}\n`,
      `a+b\n1\n${root}\n`,
      'example.com/log\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n',
      'example.com/log\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0\n',
      'example.com/log\n1\nTszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n',
      'example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n',
      'example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n',
      'example.com/log\n1\n\n',
      'example.com/log\n1\n',
      'example.com/log\n',
      '',
    ];
    for (const t of bad) assert.throws(() => parseCheckpointText(t), isLedgerError('CHECKPOINT_MALFORMED'), JSON.stringify(t));
  });

  test('signed checkpoints round-trip byte-exact and open with the ledger key only', () => {
    const ledger = generateSigner('runledger.example.com/prod');
    const witness = generateSigner('witness.example');
    const cp = { origin: ledger.name, size: 42, root: helloRoot };
    const text = signCheckpoint(cp, [ledger, witness]);
    assert.ok(text.startsWith(`${formatCheckpoint(cp)}\n${SIG_PREFIX}${ledger.name} `));
    const parsed = parseSignedCheckpoint(text);
    assert.equal(parsed.text, text);
    assert.equal(parsed.origin, cp.origin);
    assert.equal(parsed.size, 42);
    assert.equal(Buffer.from(parsed.root).toString('hex'), Buffer.from(helloRoot).toString('hex'));
    assert.equal(parsed.note.text, formatCheckpoint(cp));
    assert.deepEqual(
      parsed.note.signatures.map((s) => s.name),
      [ledger.name, witness.name],
    );
    assert.deepEqual(
      openNote(text, [parseVkey(ledger.vkey)]).signers.map((s) => s.vkey),
      [ledger.vkey],
    );
    // A different size or root under the same signature does not verify.
    const forged = text.replace('\n42\n', '\n43\n');
    assert.notEqual(forged, text);
    assert.throws(() => openNote(forged, [parseVkey(ledger.vkey)]), isLedgerError('NOTE_SIGNATURE_INVALID'));
  });

  test('a checkpoint signed with the documented PeterNeumann key is deterministic and verifies', () => {
    const s = parseSkey(PETER_SKEY);
    const cp = { origin: 'PeterNeumann', size: 123456789012, root: helloRoot };
    const a = signCheckpoint(cp, [s]);
    assert.equal(a, signCheckpoint(cp, [s]));
    assert.ok(
      a.startsWith('PeterNeumann\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n\n\u2014 PeterNeumann x08go'),
      'the line starts with the key ID c74f20a3 in base64',
    );
    const { note, signers } = openNote(a, [peter]);
    assert.equal(signers[0]!.vkey, PETER_VKEY);
    assert.equal(parseCheckpointText(note.text).size, 123456789012);
  });

  test('parseSignedCheckpoint reports note problems as CHECKPOINT_MALFORMED', () => {
    const body = 'example.com/log\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
    for (const t of [body, `${body}\n`, `${body}\nnot a signature\n`, `${body}\n\u2014 example.com/log AAAA\n`, '']) {
      assert.throws(() => parseSignedCheckpoint(t), isLedgerError('CHECKPOINT_MALFORMED'), JSON.stringify(t));
    }
    assert.throws(
      () => parseSignedCheckpoint(`example.com/log\n01\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n\n${PETER_SIG}`),
      isLedgerError('CHECKPOINT_MALFORMED'),
    );
  });
});
