// What a command may touch of its process: output streams, the environment, the terminal.
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** stderr is a terminal: draw progress and colours there. */
  readonly tty: boolean;
}

/**
 * A stream whose reader went away (`runledger run … | head -2`) stops being written to; the command
 * itself goes on, so a run is never left interrupted because nobody reads its progress.
 */
function writerFor(stream: NodeJS.WriteStream): (s: string) => void {
  let gone = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') gone = true;
    else throw e;
  });
  return (s) => {
    if (!gone && !stream.destroyed) stream.write(s);
  };
}

export function processIo(): Io {
  return {
    out: writerFor(process.stdout),
    err: writerFor(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    tty: process.stderr.isTTY === true,
  };
}

/** A progress bar on a terminal; nothing elsewhere (logs stay clean). */
export function progressBar(io: Io, label: string): { update(done: number, total: number): void; done(): void } {
  if (!io.tty) return { update: () => undefined, done: () => undefined };
  const t0 = Date.now();
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const w = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const f = Math.round(frac * w);
      const rate = done / Math.max(0.001, (now - t0) / 1000);
      io.err(
        `\r\u001b[K${label} [${'#'.repeat(f)}${'.'.repeat(w - f)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')}/s`,
      );
    },
    done() {
      io.err('\r\u001b[K');
    },
  };
}
