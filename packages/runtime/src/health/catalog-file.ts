// The service catalog on disk: where it lives (`serve --catalog PATH`, else `$RUNLEDGER_HOME/catalog.yaml`,
// else a `catalog/` directory of YAML files there), reading every file of it, and checking it with core.
// The digest of what was read names the version in force (it goes into the ledger when loaded).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  formatFileProblem,
  parseCatalog,
  type Catalog,
  type CatalogFile,
  type FileProblem,
  type ParseCatalogOptions,
  type SkippedEntity,
} from '@runledger/core';
import type { ErrorDetail } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';

export const CATALOG_FILE = 'catalog.yaml';
export const CATALOG_DIR = 'catalog';

/** The catalog's path: the flag, else `<home>/catalog.yaml`, else `<home>/catalog/`; undefined when none exists. */
export function catalogPath(opts: { home: string; flag?: string; cwd?: string }): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.flag) return resolve(cwd, opts.flag);
  for (const p of [join(opts.home, CATALOG_FILE), join(opts.home, CATALOG_DIR)]) if (existsSync(resolve(cwd, p))) return resolve(cwd, p);
  return undefined;
}

export interface LoadedCatalog {
  readonly path: string;
  readonly catalog: Catalog;
  readonly files: readonly string[];
  /** `sha256:<hex>` over each file's name and bytes, in order. */
  readonly digest: string;
  readonly skipped: readonly SkippedEntity[];
}

export class CatalogInvalidError extends RuntimeError {
  constructor(
    readonly path: string,
    readonly problems: readonly FileProblem[],
  ) {
    super('CATALOG_INVALID', `invalid service catalog ${path}:\n${problems.map(formatFileProblem).join('\n')}`, {
      details: problems.map((p): ErrorDetail => ({ path: p.path, code: 'CATALOG_INVALID', message: formatFileProblem(p) })),
    });
  }
}

/** A file, or every `.yaml`/`.yml` file of a directory (sorted, not recursive). */
export function readCatalogFiles(path: string): CatalogFile[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new RuntimeError('CATALOG_INVALID', `cannot read the service catalog ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const names = st.isDirectory()
    ? readdirSync(path)
        .filter((n) => /\.ya?ml$/i.test(n))
        .sort()
        .map((n) => join(path, n))
    : [path];
  if (names.length === 0) throw new RuntimeError('CATALOG_INVALID', `the service catalog directory ${path} holds no .yaml file`);
  return names.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

export function loadCatalog(path: string, opts: ParseCatalogOptions = {}): LoadedCatalog {
  const files = readCatalogFiles(path);
  const r = parseCatalog(files, opts);
  if (!r.ok) throw new CatalogInvalidError(path, r.problems);
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.file}\n${f.text.length}\n${f.text}`);
  return { path, catalog: r.catalog, files: files.map((f) => f.file), digest: `sha256:${h.digest('hex')}`, skipped: r.skipped };
}
