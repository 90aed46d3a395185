// A minimal RESP2 codec: enough to send one command and read one reply. Redis speaks RESP2 to any
// client that has not sent HELLO 3, so there is nothing else to negotiate.

export type Reply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: string | null }
  | { readonly type: 'array'; readonly value: readonly Reply[] | null };

/** Encodes a command as an array of bulk strings (binary-safe, unlike the inline form). */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one reply from the start of `buf`: the reply and the bytes it took, or null if incomplete. */
export function parseReply(buf: Buffer, at = 0): { reply: Reply; end: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return null;
  const kind = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (kind) {
    case '+':
      return { reply: { type: 'simple', value: line }, end: next };
    case '-':
      return { reply: { type: 'error', value: line }, end: next };
    case ':':
      return { reply: { type: 'integer', value: Number(line) }, end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { reply: { type: 'bulk', value: null }, end: next };
      if (buf.length < next + n + 2) return null;
      return { reply: { type: 'bulk', value: buf.toString('utf8', next, next + n) }, end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { reply: { type: 'array', value: null }, end: next };
      const items: Reply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return null;
        items.push(r.reply);
        pos = r.end;
      }
      return { reply: { type: 'array', value: items }, end: pos };
    }
    default:
      throw new Error(`not a RESP reply (starts with ${JSON.stringify(kind)})`);
  }
}

/** The reply as redis-cli would print it, roughly: nil as "(nil)", arrays one item a line. */
export function replyText(r: Reply): string {
  switch (r.type) {
    case 'simple':
    case 'error':
      return r.value;
    case 'integer':
      return String(r.value);
    case 'bulk':
      return r.value ?? '(nil)';
    case 'array':
      return r.value === null ? '(nil)' : r.value.map(replyText).join('\n');
  }
}

/** Splits `SET key "a value"` into words; single and double quotes group, a backslash escapes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"' && i + 1 < command.length) cur += command[++i]!;
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      if (c === '\\' && i + 1 < command.length) cur += command[++i]!;
      else cur += c;
      inWord = true;
    }
  }
  if (q) throw new Error('unterminated quote');
  if (inWord) out.push(cur);
  return out;
}
