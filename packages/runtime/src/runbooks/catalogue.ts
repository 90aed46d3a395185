// The runbook catalogue: Markdown runbooks found under a directory (or one file), parsed, with the
// files that do not parse and duplicate ids kept apart. One module for the CLI (`lint`) and the
// server (`serve --runbooks`), so both see the same set and the same errors.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseRunbook, type Diagnostic, type Runbook } from '@runledger/core';

export interface CatalogueEntry {
  readonly runbook: Runbook;
  readonly source: string;
  /** The file as shown to people: relative to the working directory. */
  readonly file: string;
}

export interface Catalogue {
  readonly runbooks: CatalogueEntry[];
  readonly invalid: { file: string; diagnostics: Diagnostic[] }[];
}

/** Every `*.md` file under `path` (recursively, sorted), or `path` itself when it is a file. */
export function runbookFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...runbookFiles(p));
    else if (name.endsWith('.md')) out.push(p);
  }
  return out;
}

/** Parses every runbook under `dir`. A missing directory is an empty catalogue. */
export function loadCatalogue(dir: string, cwd = process.cwd()): Catalogue {
  let files: string[];
  try {
    files = runbookFiles(dir);
  } catch {
    return { runbooks: [], invalid: [] };
  }
  const out: Catalogue = { runbooks: [], invalid: [] };
  const seen = new Map<string, string>();
  for (const path of files) {
    const file = relative(cwd, path) || path;
    const source = readFileSync(path, 'utf8');
    const r = parseRunbook(source, file);
    if (!r.ok) out.invalid.push({ file, diagnostics: [...r.diagnostics] });
    else if (seen.has(r.runbook.id))
      out.invalid.push({
        file,
        diagnostics: [
          {
            severity: 'error',
            code: 'CATALOGUE_ID_DUPLICATE',
            message: `runbook id ${r.runbook.id} is already used by ${seen.get(r.runbook.id)}`,
            file,
            line: 1,
            column: 1,
          },
        ],
      });
    else {
      seen.set(r.runbook.id, file);
      out.runbooks.push({ runbook: r.runbook, source, file });
    }
  }
  return out;
}

/** The entry with this id, or undefined. */
export function catalogueEntry(c: Catalogue, id: string): CatalogueEntry | undefined {
  return c.runbooks.find((x) => x.runbook.id === id);
}
