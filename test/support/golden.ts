// Golden data: cases are written to test/.cases and run once through the TFLite reference
// interpreter (tools/golden.py); tests read the outputs it wrote.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CASES_DIR = join(ROOT, 'test/.cases');

export interface GoldenCase {
  model: string;
  inputs: string[];
  outputs: string[];
}

/** Runs the reference over the cases (in one Python process). */
export function runReference(manifestName: string, cases: GoldenCase[]): void {
  mkdirSync(CASES_DIR, { recursive: true });
  const manifest = join(CASES_DIR, `${manifestName}.json`);
  writeFileSync(manifest, JSON.stringify(cases));
  for (const c of cases) for (const o of c.outputs) { rmSync(o, { force: true }); rmSync(`${o}.error`, { force: true }); }
  const python = join(ROOT, '.venv/bin/python');
  if (!existsSync(python)) throw new Error('no .venv: run tools/setup-python.sh (npm test does)');
  const out = execFileSync(python, [join(ROOT, 'tools/golden.py'), manifest], { encoding: 'utf8' });
  process.stdout.write(out);
}

/** The reference's output bytes, or its error message. */
export function readGolden(path: string): Uint8Array | string {
  if (existsSync(`${path}.error`)) return readFileSync(`${path}.error`, 'utf8');
  return new Uint8Array(readFileSync(path));
}
