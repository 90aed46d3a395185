// The files a bundle is written from.

export interface BundleFile {
  /** `/`-separated, relative (evidencePathProblem in @runledger/ledger says what is allowed). */
  readonly path: string;
  /** The file's bytes; a string is written as UTF-8. */
  readonly bytes: Uint8Array | string;
}

/** A list, or a source that yields files as it produces them (never all in memory at once). */
export type BundleFiles = Iterable<BundleFile> | AsyncIterable<BundleFile>;
