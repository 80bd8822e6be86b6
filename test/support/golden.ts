// Golden data: cases are written to test/.cases and run once through the reference interpreters
// (tools/golden.py); tests read the outputs they wrote.
//   litert: TFLite's reference kernels -> compared with xsml's plans made exactWith 'tflite' (the default);
//   tflm:   TFLM -> compared with xsml's plans made exactWith 'tflm'.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CASES_DIR = process.env.XSML_CASES_DIR ?? join(ROOT, 'test/.cases');
export type Engine = 'litert' | 'tflm';
export const ENGINES: Engine[] = ['litert', 'tflm'];
export const EXACT_WITH = { litert: 'tflite', tflm: 'tflm' } as const;

export interface CaseFiles {
  engines: Engine[]; // the references that run the case
  model: string;
  inputs: string[];
  outputs: Record<Engine, string[]>;
}

/** File names of a case under test/.cases/<group>/. */
export function caseFiles(group: string, name: string, inputs: number, outputs: number, engines: Engine[] = ENGINES): CaseFiles {
  const base = join(CASES_DIR, group, name);
  const outs = (engine: Engine) => Array.from({ length: outputs }, (_, k) => `${base}.${engine}.out${k}.bin`);
  return {
    engines,
    model: `${base}.tflite`,
    inputs: Array.from({ length: inputs }, (_, k) => `${base}.in${k}.bin`),
    outputs: { litert: outs('litert'), tflm: outs('tflm') },
  };
}

/** Runs every engine over the cases (one Python process per engine). */
export function runReferences(name: string, cases: CaseFiles[]): void {
  const python = join(ROOT, '.venv/bin/python');
  if (!existsSync(python)) throw new Error('no .venv: run tools/setup-python.sh (npm test does)');
  mkdirSync(CASES_DIR, { recursive: true });
  for (const engine of ENGINES) {
    const manifest = join(CASES_DIR, `${name}.${engine}.json`);
    const mine = cases.filter((c) => c.engines.includes(engine));
    writeFileSync(manifest, JSON.stringify(mine.map((c) => ({ model: c.model, inputs: c.inputs, outputs: c.outputs[engine] }))));
    for (const c of mine) for (const o of c.outputs[engine]) { rmSync(o, { force: true }); rmSync(`${o}.error`, { force: true }); }
    process.stdout.write(execFileSync(python, [join(ROOT, 'tools/golden.py'), engine, manifest], { encoding: 'utf8' }));
  }
}

/** The reference's output bytes, or its error message. */
export function readGolden(path: string): Uint8Array | string {
  if (existsSync(`${path}.error`)) return readFileSync(`${path}.error`, 'utf8');
  return new Uint8Array(readFileSync(path));
}
