// The native executor (native/) against the TypeScript one: every op case and every model, run by the
// desktop plan runner (build/native/xsml-run-plan) on the same plan and inputs, for both rounding
// modes; int8 outputs bit-exact, float32 within test/support/compare.ts's tolerance. A subset again
// under AddressSanitizer and UBSan; corrupted plans must be rejected by xsml_plan_check, never crash.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Interpreter, loadModel, planModel, type ExactWith, type TensorData } from '../src/index.js';
import { KernelId } from '../src/ops/kernel-ids.js';
import { frontendCases } from './cases/audio-frontend.js';
import { allCases } from './cases/index.js';
import { buildModel } from './support/builder.js';
import { mismatch } from './support/compare.js';
import { CASES_DIR, ROOT, caseFiles } from './support/golden.js';
import { MODEL_CASES, MODELS_DIR } from './support/model-cases.js';
import {
  ASAN_RUNNER, MINIMAL_RUNNER, POOL_ARENA, planFileBytes, planFileParts, runNative, runNativeRaw, writePlanFile, type PlanFileParts,
} from './support/native.js';

const DIR = join(CASES_DIR, 'native');
const EXACT: ExactWith[] = ['tflite', 'tflm'];
const ASAN_CASES_PER_OP = 5;
/** Models small enough for the sanitizer build (its slowdown is ~3-10x). */
const ASAN_MODELS = new Set(['tflm/hello_world_float.tflite', 'tflm/hello_world_int8.tflite', 'tflm/micro_speech_quantized.tflite',
  'tflm/magic_wand.tflite', 'mlperf-tiny/ad01_int8.tflite']);

beforeAll(() => {
  // test/native-setup.ts built the runners (make -C native all asan) before any test file ran.
  const error = inject('nativeBuildError');
  if (error) throw new Error(error);
  mkdirSync(DIR, { recursive: true });
});

/** Float32 outputs that were not bit-exact, by op, for the summary printed at the end. */
const floatStats = new Map<string, { outputs: number; inexact: number; worst: number }>();
afterAll(() => {
  if (floatStats.size === 0) return;
  const lines = [...floatStats].map(([op, s]) => `  ${op}: ${s.inexact} of ${s.outputs} float outputs not bit-exact, worst |diff| / max(|ts|, 1) = ${s.worst.toExponential(2)}`);
  console.log(`native float32 vs TypeScript:\n${lines.join('\n')}`);
});

function recordFloat(op: string, ts: Float32Array, native: Float32Array): void {
  const s = floatStats.get(op) ?? { outputs: 0, inexact: 0, worst: 0 };
  let exact = true;
  for (let i = 0; i < ts.length; i++) {
    if (Object.is(ts[i], native[i])) continue;
    exact = false;
    s.worst = Math.max(s.worst, Math.abs(ts[i] - native[i]) / Math.max(Math.abs(ts[i]), 1));
  }
  s.outputs++;
  if (!exact) s.inexact++;
  floatStats.set(op, s);
}

/** Sets the inputs and runs the TypeScript executor; returns a copy of every output. */
function runTypescript(interp: Interpreter, inputs: Uint8Array[]): TensorData[] {
  inputs.forEach((bytes, k) => {
    const view = interp.inputs[k].data;
    new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(bytes);
  });
  interp.invoke();
  return interp.outputs.map((o) => o.data.slice());
}

/** Runs the plan natively and compares every output with the TypeScript executor's. */
function compareNative(label: string, stat: string, modelBytes: Uint8Array, name: string, inputs: Uint8Array[], exactWith: ExactWith,
  runner?: string): void {
  const interp = new Interpreter(loadModel(modelBytes, name), { exactWith });
  const planFile = join(DIR, `${label}.plan`);
  writePlanFile(interp, inputs, planFile); // before invoke: the arena reuses the inputs' bytes
  const expected = runTypescript(interp, inputs);
  const native = runNative(planFile, { runner });
  let at = 0;
  expected.forEach((ts, k) => {
    const Ctor = ts.constructor as { new(b: ArrayBufferLike, o: number, n: number): TensorData };
    const bytes = native.slice(at, at + ts.byteLength);
    at += ts.byteLength;
    expect(bytes.length, `output ${k} length`).toBe(ts.byteLength);
    const actual = new Ctor(bytes.buffer, 0, ts.length);
    const tsBytes = new Uint8Array(ts.buffer, ts.byteOffset, ts.byteLength);
    expect(mismatch(actual, tsBytes), `output ${k}`).toBeNull();
    if (ts instanceof Float32Array && !runner) recordFloat(stat, ts, actual as Float32Array);
  });
  expect(at).toBe(native.length);
}

const caseModel = (op: string, i: number) => new Uint8Array(readFileSync(caseFiles(`ops/${op}`, String(i), 0, 0).model));

for (const [op, cases] of allCases()) {
  describe(`native ${op}`, () => {
    cases.forEach((c, i) => {
      for (const exactWith of EXACT) {
        it(`#${i} ${c.name} (${exactWith})`, () => {
          compareNative(`${op}.${i}.${exactWith}`, op, caseModel(op, i), `${op}#${i}`, c.inputs, exactWith);
        });
      }
      if (i < ASAN_CASES_PER_OP) {
        it(`#${i} ${c.name} (asan, tflm)`, () => {
          compareNative(`${op}.${i}.asan`, op, caseModel(op, i), `${op}#${i}`, c.inputs, 'tflm', ASAN_RUNNER);
        });
      }
    });
  });
}

// The audio front end's ops (test/cases/audio-frontend.ts; their golden tests are in test/signal.test.ts).
for (const [op, cases] of frontendCases()) {
  describe(`native ${op}`, () => {
    cases.forEach((c, i) => {
      for (const exactWith of EXACT) {
        it(`#${i} ${c.name} (${exactWith})`, () => {
          compareNative(`${op}.${i}.${exactWith}`, op, buildModel(c.spec), `${op}#${i}`, c.inputs, exactWith);
        });
      }
      if (i < ASAN_CASES_PER_OP) {
        it(`#${i} ${c.name} (asan, tflm)`, () => {
          compareNative(`${op}.${i}.asan`, op, buildModel(c.spec), `${op}#${i}`, c.inputs, 'tflm', ASAN_RUNNER);
        });
      }
    });
  });
}

describe('native audio front end', () => {
  // 480 samples of yes_1000ms.wav (frame 24), invoked 5 times: the noise estimate (persistent state)
  // carries from one run to the next in C as in TypeScript.
  const wav = readFileSync(join(MODELS_DIR, 'tflm/testdata/yes_1000ms.wav'));
  const frame = new Uint8Array(wav.buffer, wav.byteOffset + 44 + 2 * 24 * 320, 960).slice();
  for (const runner of [undefined, ASAN_RUNNER]) {
    it(`audio_preprocessor_int8.tflite, 5 invokes of one frame${runner ? ' (asan)' : ''}`, () => {
      const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(join(MODELS_DIR, 'tflm/audio_preprocessor_int8.tflite'))), 'pre'));
      const planFile = join(DIR, `preprocessor.runs${runner ? '.asan' : ''}.plan`);
      writePlanFile(interp, [frame], planFile);
      let expected: TensorData = new Int8Array(0);
      for (let r = 0; r < 5; r++) expected = runTypescript(interp, [frame])[0];
      const native = runNative(planFile, { runner, runs: 5 });
      expect(Array.from(new Int8Array(native.buffer, native.byteOffset, native.length))).toEqual(Array.from(expected));
    });
  }
});

describe('native models', () => {
  for (const m of MODEL_CASES) {
    const bytes = () => new Uint8Array(readFileSync(join(MODELS_DIR, m.file)));
    const stem = m.file.replace(/[/.]/g, '_');
    m.inputs.forEach((input, k) => {
      for (const exactWith of EXACT) {
        it(`${m.file} ${input.label} (${exactWith})`, () => {
          compareNative(`${stem}.${k}.${exactWith}`, `model ${m.file}`, bytes(), m.file, input.bytes(), exactWith);
        });
      }
    });
    if (ASAN_MODELS.has(m.file)) {
      it(`${m.file} ${m.inputs[0].label} (asan, tflite)`, () => {
        compareNative(`${stem}.0.asan`, `model ${m.file}`, bytes(), m.file, m.inputs[0].bytes(), 'tflite', ASAN_RUNNER);
      });
    }
  }
});

describe('native plan checks', () => {
  // A plan with two ops of known layout: an int8 FULLY_CONNECTED case and a float32 CONV_2D case.
  const allOps = allCases();
  const firstCase = (op: string, kernel: number): { parts: PlanFileParts; interp: Interpreter } => {
    const cases = allOps.get(op)!;
    for (let i = 0; i < cases.length; i++) {
      const interp = new Interpreter(loadModel(caseModel(op, i), `${op}#${i}`));
      if (planModel(interp.model, interp.plan).program[0] === kernel) return { parts: planFileParts(interp, cases[i].inputs), interp };
    }
    throw new Error(`no ${op} case with kernel ${kernel}`);
  };

  /** Writes corrupted parts and expects the runners (plain and sanitized) to reject them with `message`. */
  function expectRejected(name: string, parts: PlanFileParts, message: RegExp, runners = [undefined, ASAN_RUNNER]): void {
    const file = join(DIR, `corrupt.${name}.plan`);
    writeFileSync(file, planFileBytes(parts));
    for (const runner of runners) {
      const r = runNativeRaw(file, { runner });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^xsml-run-plan: plan rejected: /);
      expect(r.stderr).toMatch(message);
    }
  }

  it('accepts the uncorrupted plans', () => {
    for (const [op, kernel] of [['fully_connected', KernelId.FULLY_CONNECTED_S8], ['conv_2d', KernelId.CONV_2D_F32]] as const) {
      const { parts } = firstCase(op, kernel);
      const file = join(DIR, `uncorrupted.${op}.plan`);
      writeFileSync(file, planFileBytes(parts));
      expect(runNative(file, { runner: ASAN_RUNNER }).length).toBeGreaterThan(0);
    }
  });

  it('rejects a tensor ref past the end of the arena', () => {
    const { parts } = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8);
    const out = 3 + 2 * 3; // ref 3 (output): pool, offset
    expect(parts.program[out]).toBe(POOL_ARENA);
    parts.program[out + 1] = parts.arenaBytes;
    expectRejected('ref-past-arena', parts, /op #0 FULLY_CONNECTED_S8: tensor ref 3 \(pool 0, offset \d+, \d+ bytes\) ends past the end of its pool \(the arena has \d+ bytes\)/);
  });

  it('rejects a negative offset and an unknown pool', () => {
    const a = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    a.program[4] = -16;
    expectRejected('negative-offset', a, /op #0 FULLY_CONNECTED_S8: tensor ref 0 .* has a negative offset/);
    const b = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    b.program[3] = 7;
    expectRejected('unknown-pool', b, /op #0 FULLY_CONNECTED_S8: tensor ref 0 \(pool 7.*is in an unknown pool/);
  });

  it('rejects an unknown kernel id', () => {
    for (const id of [50, 16, -3, 1000]) {
      const { parts } = firstCase('conv_2d', KernelId.CONV_2D_F32);
      parts.program[0] = id;
      expectRejected(`unknown-kernel-${id}`, parts, new RegExp(`op #0: unknown kernel id ${id}$`, 'm'));
    }
  });

  it('rejects a kernel that is not linked in (weak kernel table)', () => {
    const { parts } = firstCase('conv_2d', KernelId.CONV_2D_F32);
    expectRejected('not-linked', parts, /op #0 CONV_2D_F32: kernel CONV_2D_F32 is not built into this executor/, [MINIMAL_RUNNER]);
    const fc = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    const file = join(DIR, 'minimal.fc.plan');
    writeFileSync(file, planFileBytes(fc));
    expect(runNative(file, { runner: MINIMAL_RUNNER }).length).toBeGreaterThan(0);
  });

  it('rejects record lengths that are too short or too long', () => {
    const a = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    a.program[2] = 5; // shorter than the header and 4 refs
    expectRejected('length-below-refs', a, /op #0 CONV_2D_F32: record length 5 is shorter than its header and 4 tensor refs/);
    const b = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    b.program[2] += 1; // runs past the program
    expectRejected('length-past-end', b, /op #0 CONV_2D_F32: record length \d+ runs past the end of the program/);
    // Params cut short: the record and the program end early.
    const c = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    c.program = c.program.slice(0, c.program[2] - 2);
    c.program[2] = c.program.length;
    expectRejected('params-cut', c, /op #0 CONV_2D_F32: record too short for its params/);
    // The multipliers and shifts cut short.
    const d = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    d.program = d.program.slice(0, d.program[2] - 1);
    d.program[2] = d.program.length;
    expectRejected('per-channel-cut', d, /op #0 FULLY_CONNECTED_S8: record too short for the multipliers and shifts/);
    // A program that ends inside a record header.
    const e = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    e.program = Int32Array.from([...e.program, 2, 4]);
    expectRejected('header-cut', e, /op #1: record header truncated/);
  });

  it('rejects params that ask for more bytes than a ref has', () => {
    const a = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    a.program[3 + 8 + 1] += 1; // depth
    expectRejected('fc-depth', a, /op #0 FULLY_CONNECTED_S8: (input|filter) ref shorter than/);
    const b = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    b.program[3 + 8 + 6] *= 2; // output channels (and so the groups' channel count)
    expectRejected('conv-out-c', b, /op #0 CONV_2D_F32: /);
    const c = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    c.program[3 + 8 + 0] += 1; // batches
    expectRejected('conv-batches', c, /op #0 CONV_2D_F32: input ref shorter than batches x height x width x channels/);
    const d = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    d.refBytes[3] -= 4; // the output's length
    expectRejected('conv-output-bytes', d, /op #0 CONV_2D_F32: output ref shorter than batches x height x width x channels/);
  });

  it('rejects a plan whose ref lengths do not match its refs', () => {
    const a = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    a.refBytes = Int32Array.from([...a.refBytes, 4]);
    expectRejected('extra-ref-bytes', a, /plan: the program ends after 1 ops using 4 tensor refs, but the plan has 5 ref lengths/);
    const b = firstCase('fully_connected', KernelId.FULLY_CONNECTED_S8).parts;
    b.refBytes = b.refBytes.slice(0, 2);
    expectRejected('missing-ref-bytes', b, /op #0 FULLY_CONNECTED_S8: the plan's 2 tensor ref lengths end before this op's 4 refs/);
  });

  it('rejects an output outside the arena and misaligned float tensors', () => {
    const a = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    a.program[3 + 2 * 3] = 1; // the output in the model pool
    a.program[3 + 2 * 3 + 1] = 0;
    expectRejected('output-in-model', a, /op #0 CONV_2D_F32: output ref is not in the arena/);
    const b = firstCase('conv_2d', KernelId.CONV_2D_F32).parts;
    b.program[4] += 2;
    b.refBytes[0] -= 4;
    expectRejected('misaligned', b, /op #0 CONV_2D_F32: .*not 4-byte aligned/);
  });

  it('never crashes on randomly corrupted plans of its kernels (sanitized runner)', () => {
    // Deterministic corruptions of single words of FULLY_CONNECTED, CONV_2D (float, int8, hybrid) and
    // DEPTHWISE_CONV_2D records: each run must be rejected (exit 2) or run clean (exit 0).
    let state = 12345;
    const rand = (n: number) => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state % n; };
    const targets = [['fully_connected', KernelId.FULLY_CONNECTED_S8], ['fully_connected', KernelId.FULLY_CONNECTED_F32],
      ['conv_2d', KernelId.CONV_2D_S8], ['conv_2d', KernelId.CONV_2D_F32], ['conv_2d_hybrid', KernelId.CONV_2D_HYBRID],
      ['depthwise_conv_2d', KernelId.DEPTHWISE_CONV_2D_S8], ['depthwise_conv_2d', KernelId.DEPTHWISE_CONV_2D_F32]] as const;
    const outcomes = { rejected: 0, ran: 0 };
    for (const [op, kernel] of targets) {
      const base = firstCase(op, kernel).parts;
      for (let n = 0; n < 12; n++) {
        const parts = { ...base, program: base.program.slice(), refBytes: base.refBytes.slice() };
        const at = rand(parts.program.length);
        const old = parts.program[at];
        const choices = [0, -1, 1, 2, 3, old + 1, old - 1, old * 2, -old, 0x7fffffff, -0x80000000, rand(256), 1 << 20];
        parts.program[at] = choices[rand(choices.length)];
        const file = join(DIR, `fuzz.${op}.${kernel}.${n}.plan`);
        writeFileSync(file, planFileBytes(parts));
        const r = runNativeRaw(file, { runner: ASAN_RUNNER });
        const what = `word ${at}: ${old} -> ${parts.program[at]}: ${r.stderr}`;
        expect(r.signal, what).toBeNull();
        expect([0, 2], what).toContain(r.status);
        expect(r.stderr, what).not.toMatch(/Sanitizer|runtime error/);
        if (r.status === 0) outcomes.ran++; else outcomes.rejected++;
      }
    }
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

describe('native sources', () => {
  it('native/include/xsml_kernel_ids.h is up to date (node tools/gen-kernel-ids.mjs --check)', () => {
    const r = spawnSync(process.execPath, ['tools/gen-kernel-ids.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('native/kernels/registry.c lists every kernel id', () => {
    const registry = readFileSync(join(ROOT, 'native/kernels/registry.c'), 'utf8');
    for (const name of Object.keys(KernelId)) {
      expect(registry, name).toContain(`X(${name}, ${name.toLowerCase()})`);
    }
  });

  it('compiles warning-free for x86-64 and Cortex-M4F (make -C native warnings)', () => {
    const r = spawnSync('make', ['-C', join(ROOT, 'native'), '--no-print-directory', 'warnings'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
