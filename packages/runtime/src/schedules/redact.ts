// What a scheduled job's error may not carry into the store, the ledger or the UI: the server's own
// secrets by value (database DSNs and their passwords, in every form the Redactor knows), and any
// password written in a URL (a tool quoting the DSN it was given).
import type { StoreConfig } from '@runledger/store';
import { Redactor, REDACTION_MARK } from '../redact.js';

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]+@/gi;

/** The store's secrets: each DSN and the password inside it. */
export function storeSecrets(config: StoreConfig): string[] {
  if (config.kind !== 'postgres') return [];
  const out: string[] = [];
  for (const dsn of [config.url, config.ledgerWriterUrl]) {
    if (!dsn) continue;
    out.push(dsn);
    try {
      const p = decodeURIComponent(new URL(dsn).password);
      if (p) out.push(p);
    } catch {
      // Not a URL (a key=value DSN): the whole value is masked all the same.
    }
  }
  return out;
}

export function jobRedactor(secrets: Iterable<string | undefined>): (text: string) => string {
  const r = new Redactor(secrets);
  return (text) => r.redact(text).replace(URL_PASSWORD, `$1${REDACTION_MARK}@`);
}
