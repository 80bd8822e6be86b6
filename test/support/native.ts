// The native executor on the desktop: plan files for build/native/xsml-run-plan (format documented in
// native/tools/run_plan.c) and running them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planModel, type Interpreter } from '../../src/index.js';
import { ROOT } from './golden.js';

export const NATIVE_BUILD = join(ROOT, 'build/native');
export const RUNNER = join(NATIVE_BUILD, 'xsml-run-plan');
export const ASAN_RUNNER = join(NATIVE_BUILD, 'xsml-run-plan-asan');
/** A runner linked with only FULLY_CONNECTED's kernels (native/Makefile), for the weak kernel table. */
export const MINIMAL_RUNNER = join(NATIVE_BUILD, 'xsml-run-plan-minimal');

export const POOL_ARENA = 0;
export const POOL_MODEL = 1;

/** Everything a plan file holds; tests may corrupt any of it before writing. */
export interface PlanFileParts {
  rounding: number; // 0 single, 1 double
  arenaBytes: number;
  program: Int32Array;
  refBytes: Int32Array;
  model: Uint8Array;
  inputs: { offset: number; bytes: Uint8Array }[];
  outputs: { pool: number; offset: number; bytes: number }[];
}

/** The parts of a plan file for an interpreter's plan and raw input bytes (one per model input). */
export function planFileParts(interp: Interpreter, inputs: Uint8Array[]): PlanFileParts {
  const model = interp.model;
  const plan = planModel(model, interp.plan); // the interpreter keeps no records
  if (inputs.length !== model.inputs.length) throw new Error(`${inputs.length} inputs given, the model has ${model.inputs.length}`);
  return {
    rounding: plan.rounding === 'single' ? 0 : 1,
    arenaBytes: plan.arenaBytes,
    program: plan.program.slice(),
    refBytes: plan.refBytes.slice(),
    model: model.bytes,
    inputs: model.inputs.map((t, k) => {
      const offset = plan.tensorOffsets[t];
      if (offset < 0) throw new Error(`input ${k} (tensor #${t}) is not in the arena`);
      if (inputs[k].length !== model.tensors[t].bytes) throw new Error(`input ${k} has ${inputs[k].length} bytes, expected ${model.tensors[t].bytes}`);
      return { offset, bytes: inputs[k] };
    }),
    outputs: model.outputs.map((i) => {
      const t = model.tensors[i];
      const offset = plan.tensorOffsets[i];
      if (offset >= 0) return { pool: POOL_ARENA, offset, bytes: t.bytes };
      if (!t.data) throw new Error(`output tensor #${i} is neither in the arena nor constant`);
      return { pool: POOL_MODEL, offset: t.data.byteOffset - model.bytes.byteOffset, bytes: t.bytes };
    }),
  };
}

/** Serializes plan-file parts (little-endian; see native/tools/run_plan.c). */
export function planFileBytes(p: PlanFileParts): Uint8Array {
  const pad4 = (n: number) => (n + 3) & ~3;
  const size = 8 + 4 * 3 + 4 * p.program.length + 4 + 4 * p.refBytes.length + 4 + pad4(p.model.length)
    + 4 + p.inputs.reduce((s, i) => s + 8 + pad4(i.bytes.length), 0) + 4 + 12 * p.outputs.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const u32 = (v: number) => { view.setUint32(at, v >>> 0, true); at += 4; };
  const bytes = (b: Uint8Array) => { out.set(b, at); at += pad4(b.length); };
  out.set(new TextEncoder().encode('XSMLPLN1'), 0);
  at = 8;
  u32(p.rounding);
  u32(p.arenaBytes);
  u32(p.program.length);
  for (const w of p.program) u32(w);
  u32(p.refBytes.length);
  for (const w of p.refBytes) u32(w);
  u32(p.model.length);
  bytes(p.model);
  u32(p.inputs.length);
  for (const i of p.inputs) { u32(i.offset); u32(i.bytes.length); bytes(i.bytes); }
  u32(p.outputs.length);
  for (const o of p.outputs) { u32(o.pool); u32(o.offset); u32(o.bytes); }
  if (at !== size) throw new Error(`plan file size ${at}, expected ${size}`);
  return out;
}

/** Writes the plan file of an interpreter's plan with the given raw input bytes (one per model input). */
export function writePlanFile(interp: Interpreter, inputs: Uint8Array[], path: string): void {
  writeFileSync(path, planFileBytes(planFileParts(interp, inputs)));
}

export interface NativeRun {
  status: number | null; // exit code; null if killed by a signal
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Uint8Array | null; // the output tensors' bytes, one after another
}

export interface NativeOptions {
  runner?: string; // RUNNER (default), ASAN_RUNNER or MINIMAL_RUNNER
  runs?: number;
  time?: boolean;
}

/** Runs a plan file and reports whatever happened. */
export function runNativeRaw(planFile: string, options: NativeOptions = {}): NativeRun {
  const runner = options.runner ?? RUNNER;
  if (!existsSync(runner)) throw new Error(`${runner} is not built: make -C native all asan`);
  const outFile = `${planFile}.out`;
  rmSync(outFile, { force: true });
  const args = [planFile, '-o', outFile, '-n', String(options.runs ?? 1), ...(options.time ? ['--time'] : [])];
  // halt_on_error and a non-zero exit for every report, leaks included.
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87' };
  const r = spawnSync(runner, args, { encoding: 'utf8', env, timeout: 300_000 });
  if (r.error) throw r.error;
  const outputs = r.status === 0 && existsSync(outFile) ? new Uint8Array(readFileSync(outFile)) : null;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, outputs };
}

/** Runs a plan file; returns the output tensors' bytes, or throws with the runner's error. */
export function runNative(planFile: string, options: NativeOptions = {}): Uint8Array {
  const r = runNativeRaw(planFile, options);
  if (r.status !== 0 || !r.outputs || r.stderr.trim() !== '') {
    throw new Error(`native run of ${planFile} failed (status ${r.status}${r.signal ? `, signal ${r.signal}` : ''}): ${r.stderr.trim()}`);
  }
  return r.outputs;
}
