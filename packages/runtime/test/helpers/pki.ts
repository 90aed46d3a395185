// Test certificates made with the openssl CLI (OpenSSL 3.0 has no -not_after on x509/req, so an
// already-expired certificate goes through `openssl ca`, which takes -startdate/-enddate).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  readonly keyFile: string;
  readonly certFile: string;
  readonly key: string;
  readonly cert: string;
}

const SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';

export class Pki {
  readonly dir = mkdtempSync(join(tmpdir(), 'runledger-pki-'));

  #read(name: string): Pem {
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.pem`);
    return { keyFile, certFile, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  }

  #openssl(args: readonly string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** A self-signed certificate for localhost/127.0.0.1, valid `days` from now. */
  selfSigned(name: string, days: number, cn = 'localhost', san = SAN): Pem {
    this.#openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      String(days),
      '-subj',
      `/CN=${cn}`,
      '-addext',
      san,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ]);
    return this.#read(name);
  }

  /** A self-signed certificate for localhost whose validity ended in 2020. */
  expired(name: string): Pem {
    const db = join(this.dir, `${name}-db`);
    writeFileSync(`${db}.txt`, '');
    writeFileSync(`${db}.serial`, '01\n');
    writeFileSync(
      join(this.dir, `${name}.cnf`),
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}.txt\nserial = ${db}.serial\nnew_certs_dir = ${this.dir}\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n`,
    );
    this.#openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', SAN, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    this.#openssl(
      ['ca', '-batch', '-notext', '-config', `${name}.cnf`, '-selfsign', '-keyfile', `${name}.key`, '-in', `${name}.csr`].concat([
        '-startdate',
        '20200101000000Z',
        '-enddate',
        '20200102000000Z',
        '-out',
        `${name}.pem`,
      ]),
    );
    return this.#read(name);
  }

  /** A CA key and self-signed certificate (or, with `sign`, a CSR for `subject` signed by another CA). */
  ca(name: string, days: number, subject: string, sign?: { by: Pem; key?: string }): Pem {
    const ext = join(this.dir, `${name}.ext`);
    writeFileSync(
      ext,
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
    );
    if (!sign) {
      this.#openssl([
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        subject,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      ]);
      return this.#read(name);
    }
    const keyArgs = sign.key ? ['-key', sign.key] : ['-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`];
    this.#openssl(['req', '-new', ...keyArgs, '-subj', subject, '-out', `${name}.csr`]);
    if (sign.key) writeFileSync(join(this.dir, `${name}.key`), readFileSync(sign.key));
    this.#openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      sign.by.certFile,
      '-CAkey',
      sign.by.keyFile,
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      ext,
      '-out',
      `${name}.pem`,
    ]);
    return this.#read(name);
  }

  /** A localhost server certificate signed by `by`. */
  leaf(name: string, days: number, by: Pem): Pem {
    const ext = join(this.dir, `${name}.ext`);
    writeFileSync(
      ext,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n${SAN}\nauthorityKeyIdentifier=keyid:always\n`,
    );
    this.#openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    this.#openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      by.certFile,
      '-CAkey',
      by.keyFile,
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      ext,
      '-out',
      `${name}.pem`,
    ]);
    return this.#read(name);
  }

  /** A PEM file holding exactly these certificates (a CA bundle, a server's chain). */
  bundle(name: string, ...certs: readonly Pem[]): string {
    const file = join(this.dir, `${name}.pem`);
    writeFileSync(file, certs.map((c) => c.cert).join(''));
    return file;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
