// A streaming POSIX ustar writer, enough for an export bundle: regular files and directories, names
// split into prefix/name when longer than 100 bytes. Pure: it turns (path, size, chunks) into blocks.
const BLOCK = 512;

function octal(n: number, width: number): string {
  // width includes the trailing NUL.
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(path: string): { name: string; prefix: string } {
  const b = Buffer.byteLength(path);
  if (b <= 100) return { name: path, prefix: '' };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

/** One 512-byte ustar header. `mtime` in seconds. */
export function tarHeader(path: string, size: number, o: { dir?: boolean; mtime: number; mode?: number }): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { name, prefix } = splitName(o.dir && !path.endsWith('/') ? `${path}/` : path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(o.mode ?? (o.dir ? 0o755 : 0o644), 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(o.dir ? 0 : size, 12), 124, 12, 'ascii');
  h.write(octal(Math.floor(o.mtime), 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum is computed over spaces here
  h.write(o.dir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  const r = size % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r, 0);
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(BLOCK * 2, 0);
}
