// How this process runs `runledger` again in a child (the chaos drill kills one mid-step): the same
// node, the same module loader flags (tsx when run from source), and the entry beside this build
// (src/bin.ts or dist/bin.js). Loader specifiers become absolute, since the child runs elsewhere.
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WITH_VALUE = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r', '--conditions', '-C']);
const LOADERS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

function absolute(spec: string): string {
  if (spec.startsWith('file:') || spec.startsWith('node:') || spec.startsWith('data:')) return spec;
  if (spec.startsWith('.') || spec.startsWith('/')) return pathToFileURL(resolve(spec)).href;
  try {
    return import.meta.resolve(spec);
  } catch {
    return spec;
  }
}

/** The loader and condition flags of `execArgv` (the rest, such as --test, are not the child's business). */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!WITH_VALUE.has(name)) continue;
    const value = eq > 0 ? a.slice(eq + 1) : execArgv[++i];
    if (value === undefined) break;
    out.push(name, LOADERS.has(name) ? absolute(value) : value);
  }
  return out;
}

/** argv that runs `runledger`: [node, …loader flags, entry]. */
export function runledgerArgv(): string[] {
  const here = fileURLToPath(import.meta.url);
  return [process.execPath, ...loaderFlags(process.execArgv), join(dirname(here), '..', `bin${extname(here)}`)];
}
