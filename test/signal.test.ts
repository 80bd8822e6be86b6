// The audio front end: TFLM's Signal custom ops and the builtins audio_preprocessor_*.tflite uses,
// one op at a time against TFLM (and TFLite for the builtins); the preprocessor models streaming over
// the four 1 s clips, against the features TFLM computed (models/tflm/testdata/*.s8) and against
// TFLM's interpreter run the same way; the persistent arena part of the stateful op.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encode } from 'flatbuffers/js/flexbuffers.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { Interpreter, XsmlError, checkSupport, loadModel, planModel, type ExactWith } from '../src/index.js';
import { readFlexMap } from '../src/ops/flexbuffer.js';
import { readWav } from '../hosts/node/wav.js';
import { frontendCases } from './cases/audio-frontend.js';
import { buildModel, bytesOf } from './support/builder.js';
import { mismatch } from './support/compare.js';
import { CASES_DIR, ENGINES, EXACT_WITH, ROOT, caseFiles, readGolden, type CaseFiles } from './support/golden.js';

const TESTDATA = join(ROOT, 'models/tflm/testdata');
const CLIPS = ['yes', 'no', 'silence', 'noise'];
const FRAMES = 49, WINDOW = 480, STRIDE = 320;
const PREPROCESSORS = ['audio_preprocessor_int8', 'audio_preprocessor_float'];
const STREAMS = join(CASES_DIR, 'frontend/streams');

const cases = frontendCases();
const modelBytes = (name: string) => new Uint8Array(readFileSync(join(ROOT, 'models/tflm', `${name}.tflite`)));

/** The 49 frames of a clip, back to back: 480 samples every 320 (TFLM's micro_speech test). */
function clipFrames(clip: string): Int16Array {
  const samples = readWav(join(TESTDATA, `${clip}_1000ms.wav`)).samples;
  const out = new Int16Array(FRAMES * WINDOW);
  for (let k = 0; k < FRAMES; k++) out.set(samples.subarray(k * STRIDE, k * STRIDE + WINDOW), k * WINDOW);
  return out;
}

/** Runs a one-input model over consecutive frames (without reset); returns the outputs back to back. */
function stream(interp: Interpreter, frames: ArrayLike<number>, count: number): number[] {
  const input = interp.inputs[0].data, n = input.length;
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < n; i++) input[i] = frames[k * n + i];
    interp.invoke();
    out.push(...Array.from(interp.outputs[0].data));
  }
  return out;
}

/** A one-op spectral subtraction model, for streams of random frames (its state across invokes). */
function spectralSubtractionModel(clamping: boolean): Uint8Array {
  const U32 = 15;
  const options = {
    alternate_one_minus_smoothing: 15401, alternate_smoothing: 983, clamping, min_signal_remaining: 819, num_channels: 8,
    one_minus_smoothing: 15975, smoothing: 409, smoothing_bits: 10, spectral_subtraction_bits: 14,
  };
  return buildModel({
    tensors: [{ type: U32, shape: [8] }, { type: U32, shape: [8] }, { type: U32, shape: [8] }],
    inputs: [0], outputs: [1],
    ops: [{ code: 32, customName: 'SignalFilterBankSpectralSubtraction', customOptions: encode(options), inputs: [0], outputs: [1, 2] }],
  });
}

interface Stream { name: string; model: string; input: string; frames: number; output: string }
const streams: Stream[] = [
  ...PREPROCESSORS.flatMap((m) => CLIPS.map((clip) => ({
    name: `${m} ${clip}`, model: join(ROOT, 'models/tflm', `${m}.tflite`), input: join(STREAMS, `${clip}.frames.bin`), frames: FRAMES,
    output: join(STREAMS, `${m}.${clip}.tflm.bin`),
  }))),
  ...[false, true].map((clamping) => ({
    name: `spectral subtraction${clamping ? ' (clamping)' : ''}`, model: join(STREAMS, `spectral-subtraction-${clamping}.tflite`),
    input: join(STREAMS, 'spectral-subtraction.frames.bin'), frames: 30, output: join(STREAMS, `spectral-subtraction-${clamping}.tflm.bin`),
  })),
];

/** Random uint32 frames whose level changes over time, so the noise estimate rises and falls. */
function spectralFrames(): Uint32Array {
  let state = 7;
  const next = () => (state = (Math.imul(1664525, state) + 1013904223) >>> 0);
  return Uint32Array.from({ length: 30 * 8 }, (_, i) => {
    const level = [4, 12, 20, 8, 16, 2][Math.floor(i / 40) % 6];
    return next() >>> (32 - level);
  });
}

const files = new Map<string, CaseFiles[]>();
for (const [op, list] of cases) files.set(op, list.map((c, i) => caseFiles(`frontend/${op}`, String(i), c.inputs.length, c.spec.outputs.length, c.engines)));

const run = promisify(execFile);
const PYTHON = join(ROOT, '.venv/bin/python');

/**
 * Runs a reference tool over a manifest without blocking the test worker (as support/golden.ts's
 * runReferences does, asynchronously: these runs take a while under load).
 */
async function reference(tool: string, manifest: string, entries: unknown[]): Promise<void> {
  writeFileSync(manifest, JSON.stringify(entries));
  const { stdout } = await run(PYTHON, [join(ROOT, 'tools', tool), ...(tool === 'golden.py' ? [manifest.endsWith('.litert.json') ? 'litert' : 'tflm'] : []), manifest],
    { encoding: 'utf8', maxBuffer: 1 << 24 });
  process.stdout.write(stdout);
}

beforeAll(async () => {
  const all: CaseFiles[] = [];
  for (const [op, list] of cases) {
    list.forEach((c, i) => {
      const f = files.get(op)![i];
      mkdirSync(dirname(f.model), { recursive: true });
      writeFileSync(f.model, buildModel(c.spec));
      c.inputs.forEach((bytes, k) => writeFileSync(f.inputs[k], bytes));
      all.push(f);
    });
  }
  mkdirSync(CASES_DIR, { recursive: true });
  const golden = ENGINES.map((engine) => {
    const mine = all.filter((c) => c.engines.includes(engine));
    for (const c of mine) for (const o of c.outputs[engine]) { rmSync(o, { force: true }); rmSync(`${o}.error`, { force: true }); }
    return reference('golden.py', join(CASES_DIR, `frontend.${engine}.json`), mine.map((c) => ({ model: c.model, inputs: c.inputs, outputs: c.outputs[engine] })));
  });

  mkdirSync(STREAMS, { recursive: true });
  for (const clip of CLIPS) {
    const frames = clipFrames(clip);
    writeFileSync(join(STREAMS, `${clip}.frames.bin`), new Uint8Array(frames.buffer));
  }
  writeFileSync(join(STREAMS, 'spectral-subtraction.frames.bin'), new Uint8Array(spectralFrames().buffer));
  for (const clamping of [false, true]) writeFileSync(join(STREAMS, `spectral-subtraction-${clamping}.tflite`), spectralSubtractionModel(clamping));
  for (const s of streams) { rmSync(s.output, { force: true }); rmSync(`${s.output}.error`, { force: true }); }
  await Promise.all([
    ...golden,
    reference('golden_stream.py', join(STREAMS, 'manifest.json'), streams.map(({ model, input, frames, output }) => ({ model, input, frames, output }))),
  ]);
}, 300_000);

for (const [op, list] of cases) {
  describe(`${op} (one-op cases)`, () => {
    list.forEach((c, i) => {
      for (const engine of c.engines ?? ENGINES) {
        it(`#${i} ${c.name} (${engine})`, () => {
          const f = files.get(op)![i];
          const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(f.model)), `${op}#${i}`), { exactWith: EXACT_WITH[engine] });
          c.inputs.forEach((bytes, k) => new Uint8Array(interp.inputs[k].data.buffer, interp.inputs[k].data.byteOffset, bytes.length).set(bytes));
          interp.invoke();
          interp.outputs.forEach((out, k) => {
            const golden = readGolden(f.outputs[engine][k]);
            if (typeof golden === 'string') throw new Error(`${engine} rejected this case: ${golden}`);
            if (k === 0 && c.compare) {
              const [start, end] = c.compare, size = out.data.BYTES_PER_ELEMENT;
              expect(mismatch(out.data.subarray(start, end), golden.subarray(start * size, end * size)), `output ${k}`).toBeNull();
            } else {
              expect(mismatch(out.data, golden), `output ${k}`).toBeNull();
            }
          });
        });
      }
    });
  });
}

describe('audio_preprocessor_int8.tflite: the micro_speech features, exactly as TFLM computed them', () => {
  const model = loadModel(modelBytes('audio_preprocessor_int8'), 'audio_preprocessor_int8.tflite');
  for (const exactWith of ['tflm', 'tflite'] as ExactWith[]) {
    for (const clip of CLIPS) {
      it(`${clip}_1000ms.wav: 49 x 40 features (exact with ${exactWith})`, () => {
        const interp = new Interpreter(model, { exactWith });
        const features = stream(interp, clipFrames(clip), FRAMES);
        const expected = Array.from(new Int8Array(readFileSync(join(TESTDATA, `micro_speech_features_${clip}_49x40.s8`))));
        expect(features.length).toBe(FRAMES * 40);
        expect(features).toEqual(expected);
      });
    }
  }

  it('is supported: every op, custom ones included', () => {
    expect(checkSupport(model).filter((s) => !s.supported)).toEqual([]);
  });

  it('keeps the noise estimate between invokes in the persistent part, zeroed at creation and by reset()', () => {
    const plan = planModel(model);
    expect(plan.persistentBytes).toBe(4 * 40); // SignalFilterBankSpectralSubtraction's uint32 per channel
    // A dirty arena: the persistent part is zeroed when the interpreter is made.
    const arena = new Uint8Array(plan.arenaBytes).fill(0xa5);
    const interp = new Interpreter(model, { arena });
    const frames = clipFrames('yes');
    const first = stream(interp, frames, FRAMES);
    expect(first).toEqual(Array.from(new Int8Array(readFileSync(join(TESTDATA, 'micro_speech_features_yes_49x40.s8')))));
    // Without reset the state carries over: the same clip again gives other features...
    expect(stream(interp, frames, FRAMES)).not.toEqual(first);
    // ... and after reset() the same ones.
    interp.reset();
    expect(stream(interp, frames, FRAMES)).toEqual(first);
    // Only the persistent part is touched by reset.
    const before = arena.slice(0, plan.arenaBytes - plan.persistentBytes);
    interp.reset();
    expect(arena.slice(0, plan.arenaBytes - plan.persistentBytes)).toEqual(before);
    expect(arena.subarray(plan.arenaBytes - plan.persistentBytes, plan.arenaBytes).every((b) => b === 0)).toBe(true);
  });
});

describe('streams against TFLM\'s interpreter (state kept across invokes)', () => {
  for (const s of streams) {
    it(s.name, () => {
      const golden = readGolden(s.output);
      if (typeof golden === 'string') throw new Error(`tflm rejected this stream: ${golden}`);
      for (const exactWith of ['tflm', 'tflite'] as ExactWith[]) {
        const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(s.model)), s.name), { exactWith });
        const raw = readFileSync(s.input);
        const input = interp.inputs[0].data;
        const Frames = input.constructor as { new(b: ArrayBufferLike, o: number, n: number): ArrayLike<number> };
        const frames = new Frames(raw.buffer, raw.byteOffset, raw.byteLength / input.BYTES_PER_ELEMENT);
        const out = stream(interp, frames, s.frames);
        const Ctor = interp.outputs[0].data.constructor as new (values: number[]) => Float32Array;
        expect(mismatch(new Ctor(out), golden)).toBeNull();
      }
    });
  }

  it('TFLM\'s int8 features are the shipped ones (the reference agrees with itself)', () => {
    for (const clip of CLIPS) {
      const golden = readGolden(join(STREAMS, `audio_preprocessor_int8.${clip}.tflm.bin`));
      expect(golden).toEqual(new Uint8Array(readFileSync(join(TESTDATA, `micro_speech_features_${clip}_49x40.s8`))));
    }
  });
});

describe('custom operators', () => {
  const U32 = 15, I16 = 7;
  const logModel = (options: Uint8Array | undefined, name = 'SignalFilterBankLog') => loadModel(buildModel({
    tensors: [{ type: U32, shape: [4] }, { type: I16, shape: [4] }],
    inputs: [0], outputs: [1],
    ops: [{ code: 32, customName: name, customOptions: options, inputs: [0], outputs: [1] }],
  }), 'log.tflite');
  const errorOf = (f: () => unknown): XsmlError => {
    try { f(); } catch (e) { if (e instanceof XsmlError) return e; throw e; }
    throw new Error('no error');
  };

  it('are found by their custom_code name; unknown ones are named as unsupported', () => {
    expect(checkSupport(logModel(encode({ input_correction_bits: 3, output_scale: 64 })))[0].supported).toBe(true);
    const e = errorOf(() => planModel(logModel(undefined, 'SignalStacker')));
    expect(e.code).toBe('UNSUPPORTED_OPERATOR');
    expect(e.message).toMatch(/op #0 SignalStacker \(version 1\): custom operator/);
  });

  it('name a missing or malformed option', () => {
    const missing = errorOf(() => planModel(logModel(encode({ output_scale: 64 }))));
    expect(missing.code).toBe('INVALID_MODEL');
    expect(missing.message).toMatch(/op #0 SignalFilterBankLog \(version 1\): custom options: the option "input_correction_bits" is missing/);
    const truncated = encode({ input_correction_bits: 3, output_scale: 64 }).slice(0, 5);
    expect(errorOf(() => planModel(logModel(truncated))).message).toMatch(/custom options: /);
    const range = errorOf(() => planModel(logModel(encode({ input_correction_bits: 40, output_scale: 64 }))));
    expect(range.code).toBe('UNSUPPORTED_FEATURE');
    expect(range.message).toMatch(/input_correction_bits is 40, expected an integer in \[0, 31\]/);
  });

  it('corrupted custom options fail as XsmlErrors (or still plan and run), never otherwise', () => {
    const bytes = modelBytes('audio_preprocessor_int8');
    const spans = loadModel(bytes).operators.flatMap((op) => (op.customOptions ? [[op.customOptions.byteOffset - bytes.byteOffset, op.customOptions.length]] : []));
    expect(spans.length).toBe(9);
    let state = 12345;
    const next = (n: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    const codes = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const copy = bytes.slice();
      const [start, length] = spans[next(spans.length)];
      for (let k = next(3); k >= 0; k--) copy[start + next(length)] = next(256);
      let code = 'ok';
      try {
        const interp = new Interpreter(loadModel(copy, 'mutant.tflite'));
        interp.invoke();
      } catch (e) {
        if (!(e instanceof XsmlError)) throw e;
        code = e.code;
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(codes.get('ok')).toBeGreaterThan(0);
    expect(codes.get('INVALID_MODEL')).toBeGreaterThan(0);
  });

  it('FlexBuffer maps: every scalar width and kind the Signal ops use', () => {
    const fail = (m: string): never => { throw new Error(m); };
    const map = readFlexMap(encode({ a: 1, b: -70000, c: 2 ** 40, d: true, e: false }), fail);
    expect(map.keys).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([map.int('a'), map.int('b'), map.int('c'), map.int('d'), map.bool('e')]).toEqual([1, -70000, 2 ** 40, 1, false]);
    // (flatbuffers' JS encoder writes floats of 8-byte maps in 4 bytes: this map is all 4-byte.)
    const floats = readFlexMap(encode({ f: 1.5, g: 70000 }), fail);
    expect(() => floats.int('f')).toThrow(/"f" is 1.5, expected an integer/);
    expect(floats.int('g')).toBe(70000);
    expect(map.int('missing', 7)).toBe(7);
    expect(readFlexMap(null, fail).keys).toEqual([]);
    expect(() => readFlexMap(bytesOf(9, [1, 2, 3, 4]), fail)).toThrow();
  });
});

it('the streams\' inputs exist', () => {
  for (const s of streams) expect(existsSync(s.input), s.input).toBe(true);
});
