// The XS desktop host: the real XS engine running xsml with every kernel in C (native/), one native
// call per invoke. Every op case and every model gives the Node host's outputs (integers exactly,
// float32 within test/support/compare.ts's tolerance), with both exactWith modes; the command line
// gives the same JSON on both hosts; the hotword and gesture apps hear and see what they do on Node;
// invoke allocates nothing in the XS heap; and the AddressSanitizer build runs models and an app cleanly. The XS binary is built here (make -C hosts/xs) if it is missing or stale.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GesturePredictor, HotwordRecognizer, Interpreter, loadModel, type Detection, type ExactWith, type Gesture, type TensorData,
} from '../src/index.js';
import { readWav } from '../hosts/node/wav.js';
import { runOnXs } from '../hosts/node/xs-host.js';
import { frontendCases } from './cases/audio-frontend.js';
import { allCases } from './cases/index.js';
import { buildModel } from './support/builder.js';
import { mismatch } from './support/compare.js';
import { CASES_DIR, ROOT, caseFiles } from './support/golden.js';
import { MODEL_CASES, modelCaseName } from './support/model-cases.js';

const XS_DIR = join(ROOT, 'hosts/xs');
const XS = join(XS_DIR, 'build/xsml-xs');
const XS_ASAN = join(XS_DIR, 'build/xsml-xs-asan');
const DRIVER = join(ROOT, 'dist/xsml-xs-driver.js');
const OUT_DIR = join(CASES_DIR, 'xs');
const EXACT: ExactWith[] = ['tflite', 'tflm'];
const BUILD_TIMEOUT = 900_000;

/** Runs a command to its end without blocking the test worker (long builds and batches would). */
function exec(command: string, args: string[]): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** make in hosts/xs, under the lock the command line takes too (hosts/node/xs-host.ts makeXsHost). */
async function make(...targets: string[]): Promise<void> {
  const args = ['-C', XS_DIR, `-j${availableParallelism()}`, ...targets];
  mkdirSync(join(XS_DIR, 'build'), { recursive: true });
  const r = await exec('flock', [join(XS_DIR, 'build/.make.lock'), 'make', ...args]).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return exec('make', args); // no util-linux flock
    throw e;
  });
  if (r.status !== 0) throw new Error(`make -C hosts/xs ${targets.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Runs the driver on a binary; returns stdout, or throws with stderr. Anything on stderr fails
 *  (a sanitizer's report, when the build has them). */
function driver(binary: string, args: string[]): string {
  const r = spawnSync(binary, [DRIVER, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 || r.stderr !== '') throw new Error(`${binary} ${args.join(' ')}: status ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  return r.stdout;
}

async function driverAsync(binary: string, args: string[]): Promise<string> {
  const r = await exec(binary, [DRIVER, ...args]);
  if (r.status !== 0 || r.stderr !== '') throw new Error(`${binary} ${args.join(' ')}: status ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  return r.stdout;
}

interface Case {
  label: string;
  model: string;
  inputs: string[];
  outputs: number; // how many
  exactWith: ExactWith;
  heapBuffers: boolean;
}

const outputFile = (c: Case, k: number, tag: string) => join(OUT_DIR, tag, `${c.label.replace(/[^\w.-]+/g, '_')}.out${k}.bin`);

/** Runs the cases in one XS process (batch mode); returns the errors by case index. */
async function batch(binary: string, cases: Case[], tag: string): Promise<Map<number, string>> {
  const manifest = join(OUT_DIR, `${tag}.json`);
  mkdirSync(join(OUT_DIR, tag), { recursive: true });
  writeFileSync(manifest, JSON.stringify(cases.map((c) => ({
    model: c.model, inputs: c.inputs, exactWith: c.exactWith, heapBuffers: c.heapBuffers,
    outputs: Array.from({ length: c.outputs }, (_, k) => outputFile(c, k, tag)),
  }))));
  const lines = (await driverAsync(binary, ['batch', manifest])).trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.pop();
  expect(summary.cases).toBe(cases.length);
  return new Map(lines.map((l) => [l.case as number, l.error as string]));
}

/** The Node host's outputs for a case (the TypeScript kernels). */
function nodeOutputs(c: Case): TensorData[] {
  const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(c.model)), c.label), { exactWith: c.exactWith });
  c.inputs.forEach((path, k) => {
    const v = interp.inputs[k].data;
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(readFileSync(path));
  });
  interp.invoke();
  return interp.outputs.map((o) => o.data);
}

/** XS's output k as a typed array like Node's. */
function xsOutput(path: string, like: TensorData): TensorData {
  const bytes = new Uint8Array(readFileSync(path)); // a buffer of its own, aligned
  const Ctor = like.constructor as { new(b: ArrayBufferLike, o: number, n: number): TensorData };
  if (bytes.byteLength !== like.byteLength) throw new Error(`${path}: ${bytes.byteLength} bytes, expected ${like.byteLength}`);
  return new Ctor(bytes.buffer, 0, like.length);
}

const opCases: [op: string, cases: Case[]][] = [...allCases()].map(([op, cases]) => [op, cases.flatMap((c, i) => {
  const files = caseFiles(`ops/${op}`, String(i), c.inputs.length, c.spec.outputs.length);
  return EXACT.map((exactWith) => ({
    label: `${op}#${i} ${c.name} (exact with ${exactWith})`, model: files.model, inputs: files.inputs,
    outputs: c.spec.outputs.length, exactWith, heapBuffers: i % 4 === 3,
  }));
})]);

// The audio front end's ops (test/cases/audio-frontend.ts, golden-tested in test/signal.test.ts), written here.
const frontendOpCases: [op: string, cases: Case[]][] = [...frontendCases()].map(([op, cases]) => [op, cases.flatMap((c, i) => {
  const base = join(OUT_DIR, 'frontend', `${op}.${i}`);
  const files = { model: `${base}.tflite`, inputs: c.inputs.map((_, k) => `${base}.in${k}.bin`) };
  mkdirSync(join(OUT_DIR, 'frontend'), { recursive: true });
  writeFileSync(files.model, buildModel(c.spec));
  c.inputs.forEach((bytes, k) => writeFileSync(files.inputs[k], bytes));
  return EXACT.map((exactWith) => ({
    label: `${op}#${i} ${c.name} (exact with ${exactWith})`, model: files.model, inputs: files.inputs,
    outputs: c.spec.outputs.length, exactWith, heapBuffers: i % 4 === 3,
  }));
})]);
opCases.push(...frontendOpCases);

const modelCases: Case[] = MODEL_CASES.flatMap((m) => m.inputs.flatMap((input, k) => {
  const files = caseFiles('models', modelCaseName(m.file, k), input.bytes().length, 1);
  return EXACT.map((exactWith) => ({
    label: `${m.file} ${input.label} (exact with ${exactWith})`, model: files.model, inputs: files.inputs,
    outputs: 1, exactWith, heapBuffers: k % 2 === 1,
  }));
}));

/** Expects XS's outputs (written under `tag`) to be Node's; returns whether they are bit for bit. */
function compareWithNode(c: Case, tag: string): boolean {
  let bitExact = true;
  nodeOutputs(c).forEach((want, k) => {
    const got = xsOutput(outputFile(c, k, tag), want);
    const wantBytes = new Uint8Array(want.buffer, want.byteOffset, want.byteLength).slice();
    expect(mismatch(got, wantBytes), c.label).toBeNull();
    if (!Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(wantBytes)) bitExact = false;
  });
  return bitExact;
}

beforeAll(() => make(), BUILD_TIMEOUT);

describe('XS host: every op case and every model gives the Node host\'s outputs', () => {
  const all = [...opCases.flatMap(([, cases]) => cases), ...modelCases];
  let errors = new Map<number, string>();
  let floatsNotBitExact: string[] = [];
  beforeAll(async () => {
    for (const c of all) for (const path of [c.model, ...c.inputs]) {
      if (!existsSync(path)) throw new Error(`${path} is missing: the global setup writes it`);
    }
    errors = await batch(XS, all, 'release');
  }, BUILD_TIMEOUT);

  const check = (c: Case, index: number) => () => {
    const error = errors.get(index);
    if (error) throw new Error(`XS failed: ${error}`);
    if (!compareWithNode(c, 'release')) floatsNotBitExact.push(c.label);
  };

  let index = 0;
  for (const [op, cases] of opCases) {
    describe(op, () => {
      for (const c of cases) it(c.label, check(c, index++));
    });
  }
  describe('models', () => {
    for (const c of modelCases) it(c.label, check(c, index++));
  });
  it('(report) float32 outputs that are within tolerance but not bit-exact', () => {
    if (floatsNotBitExact.length) console.log(`XS float32 outputs not bit-exact with Node (within tolerance): ${floatsNotBitExact.length}\n  ${floatsNotBitExact.join('\n  ')}`);
    floatsNotBitExact = [];
  });
});

describe('xsml run --host xs', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/xsml.js'), ...args], { encoding: 'utf8' });
  const runs: [model: string, input?: string][] = [
    ['models/tflm/hello_world_float.tflite'],
    ['models/tflm/micro_speech_quantized.tflite', 'models/tflm/testdata/micro_speech_features_yes_49x40.s8'],
    ['models/tflm/person_detect.tflite', 'models/tflm/testdata/person_96x96.raw'],
    ['models/tflm/magic_wand.tflite', 'models/tflm/testdata/magic_wand_ring_128x3_f32.bin'],
    ['models/mlperf-tiny/kws_ref_model.tflite', 'models/mlperf-tiny/inputs/kws_ref_model_input.raw'],
  ];
  for (const [model, input] of runs) {
    for (const exactWith of EXACT) {
      it(`${model} (exact with ${exactWith}) prints what --host node prints`, () => {
        const args = ['run', join(ROOT, model), ...(input ? ['--input', join(ROOT, input)] : []), '--exact-with', exactWith, '--json', '--repeat', '2'];
        const [node, xs] = ['node', 'xs'].map((host) => {
          const r = cli(...args, '--host', host);
          expect(r.stderr).not.toMatch(/xsml: error/); // (it may hold a rebuild's output, if sources changed)
          expect(r.status).toBe(0);
          return JSON.parse(r.stdout);
        });
        expect(Object.keys(xs)).toEqual(Object.keys(node));
        expect(xs.host).toBe('xs');
        expect(xs.arenaBytes).toBe(node.arenaBytes);
        expect(xs.invoke.repeat).toBe(2);
        expect(xs.invoke.microseconds).toBeGreaterThan(0);
        xs.outputs.forEach((o: { dtype: string; data: number[] }, k: number) => {
          const want = node.outputs[k];
          expect({ ...o, data: null }).toEqual({ ...want, data: null });
          if (o.dtype === 'float32') {
            expect(mismatch(Float32Array.from(o.data), new Uint8Array(Float32Array.from(want.data).buffer))).toBeNull();
          } else {
            expect(o.data).toEqual(want.data);
          }
        });
      });
    }
  }

  it('converts .json inputs on Node and times every op with --profile', () => {
    const dir = join(OUT_DIR, 'cli');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.json'), '[3]');
    const r = cli('run', join(ROOT, 'models/tflm/hello_world_no_quant_2788.tflite'), '--input', join(dir, 'x.json'), '--host', 'xs', '--json', '--profile');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outputs[0].data[0]).toBeCloseTo(0.1306, 4); // TFLM's value for x = 3 (models/PROVENANCE.md)
    expect(out.profile.map((p: { name: string }) => p.name)).toEqual(['FULLY_CONNECTED', 'FULLY_CONNECTED', 'FULLY_CONNECTED']);
  });

  it('prints one error line, as on Node', () => {
    const r = cli('run', join(ROOT, 'models/tflm/hello_world_float.tflite'), '--host', 'xs', '--arena-bytes', '16');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xsml: error: hello_world_float.tflite: arena of 16 bytes is too small: the model needs 128 bytes\n$/);
  });

  it('gives the API the error code XS raised', () => {
    const options = { inputs: null, repeat: 1, arenaBytes: 16, exactWith: 'tflite' as const, profile: false };
    expect(() => runOnXs(join(ROOT, 'models/tflm/hello_world_float.tflite'), options)).toThrow(expect.objectContaining({ code: 'ARENA_TOO_SMALL' }));
  });

  it('the driver reports its own errors in one line', () => {
    const r = spawnSync(XS, [DRIVER, 'run', join(ROOT, 'models/tflm/hello_world_float.tflite'), '--input', join(ROOT, 'models/tflm/magic_wand.tflite')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xsml: error \(BAD_INPUT\): input 0 \(tensor "[^"]+", float32\[1,1\]\): \S+magic_wand.tflite has \d+ bytes, expected 4 raw little-endian float32 bytes\n$/);
  });
});

describe('invoke allocates nothing on XS (the XS heap\'s chunks and slots, before and after 100 invokes)', () => {
  const heap = (model: string, ...flags: string[]) => JSON.parse(driver(XS, ['heap', model, '--invokes', '100', ...flags]));
  it('the measurement sees one small array per invoke (control)', () => {
    const r = heap(join(ROOT, 'models/tflm/hello_world_int8.tflite'), '--control');
    expect(r.controlArrays).toBe(100);
    expect(r.slots).toBeGreaterThanOrEqual(100);
    expect(r.chunksBytes).toBeGreaterThan(0);
  });
  const models = [
    'models/tflm/hello_world_int8.tflite', 'models/tflm/hello_world_float.tflite', 'models/tflm/magic_wand.tflite',
    'models/tflm/micro_speech_quantized.tflite', 'models/tflm/simple_add_model.tflite', 'models/tflm/person_detect.tflite',
  ].map((m) => join(ROOT, m));
  const ops = ['mul', 'concatenation', 'quantize', 'dequantize', 'average_pool_2d', 'max_pool_2d', 'softmax', 'add', 'conv_2d_hybrid']
    .map((op) => join(CASES_DIR, 'ops', op, '0.tflite'));
  for (const model of [...models, ...ops]) {
    for (const exactWith of EXACT) {
      it(`${model.slice(model.lastIndexOf('/', model.lastIndexOf('/') - 1) + 1)} (exact with ${exactWith})`, () => {
        expect(heap(model, '--exact-with', exactWith)).toEqual({ invokes: 100, chunksBytes: 0, slots: 0, controlArrays: 0 });
      });
    }
  }
  it('with the arena and model in the XS heap (--heap-buffers) too', () => {
    expect(heap(models[3], '--heap-buffers')).toEqual({ invokes: 100, chunksBytes: 0, slots: 0, controlArrays: 0 });
  });
});

const APP_MODELS = join(ROOT, 'models/tflm');
const APP_DATA = join(APP_MODELS, 'testdata');
const appModel = (file: string) => loadModel(new Uint8Array(readFileSync(join(APP_MODELS, file))), file);
const CLIPS = ['yes', 'no', 'silence', 'noise'];
const GESTURES = ['ring', 'slope'];

/** A clip's 16 kHz samples as a raw file for the driver, and what the app hears in it on Node. */
function hotwordCase(clip: string, exactWith: ExactWith): { raw: string; node: Detection[] } {
  const samples = readWav(join(APP_DATA, `${clip}_1000ms.wav`)).samples;
  const raw = join(OUT_DIR, `${clip}.s16`);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(raw, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  const recognizer = new HotwordRecognizer(appModel('audio_preprocessor_int8.tflite'), appModel('micro_speech_quantized.tflite'), { interpreter: { exactWith } });
  return { raw, node: [...recognizer.push(samples), ...recognizer.finish()] };
}

const hotwordArgs = (raw: string, exactWith: ExactWith) =>
  ['hotword', join(APP_MODELS, 'audio_preprocessor_int8.tflite'), join(APP_MODELS, 'micro_speech_quantized.tflite'), raw, '--exact-with', exactWith];

describe('the apps on XS (hosts/xs/driver.ts: fed 20 ms of audio or one accelerometer sample at a time)', () => {
  for (const exactWith of EXACT) {
    for (const clip of CLIPS) {
      it(`hotword: ${clip}_1000ms.wav, exact with ${exactWith}: the detections of Node, at the same times`, async () => {
        const { raw, node } = hotwordCase(clip, exactWith);
        const xs = JSON.parse(await driverAsync(XS, hotwordArgs(raw, exactWith)));
        expect(xs.detections).toEqual(node);
        expect([xs.frames, xs.inferences]).toEqual([99, 51]);
      });
    }
  }
  for (const g of GESTURES) {
    it(`gesture: magic_wand_${g}_128x3_f32.bin: the gestures of Node, at the same times`, async () => {
      const file = join(APP_DATA, `magic_wand_${g}_128x3_f32.bin`);
      const b = readFileSync(file);
      const node: Gesture[] = new GesturePredictor(appModel('magic_wand.tflite')).push(new Float32Array(b.buffer, b.byteOffset, b.length / 4));
      const xs = JSON.parse(await driverAsync(XS, ['gesture', join(APP_MODELS, 'magic_wand.tflite'), file]));
      expect(xs.gestures.map((x: Gesture) => [x.label, x.timeMs])).toEqual(node.map((x) => [x.label, x.timeMs]));
      xs.gestures.forEach((x: Gesture, i: number) => expect(Math.abs(x.score - node[i].score)).toBeLessThan(1e-5));
      expect(xs.gestures.map((x: Gesture) => x.label)).toEqual([g]);
    });
  }
  it('xsml hotword and xsml gesture --host xs print what --host node prints', async () => {
    const cli = async (...args: string[]) => {
      const r = await exec(process.execPath, [join(ROOT, 'bin/xsml.js'), ...args]);
      expect(r.stderr).toBe('');
      return r.stdout.split('\n')[0];
    };
    const wav = join(APP_DATA, 'no_1000ms.wav'), ring = join(APP_DATA, 'magic_wand_ring_128x3_f32.bin');
    expect(await cli('hotword', wav, '--host', 'xs')).toBe(await cli('hotword', wav));
    expect(await cli('gesture', ring, '--host', 'xs')).toBe(await cli('gesture', ring));
  });
});

describe('the AddressSanitizer build of the XS host', () => {
  // Every model input once, and the first two cases of every op: the arena and the model are host
  // buffers (malloc'd at their exact sizes), so a kernel reading or writing past them is caught.
  const cases = [
    ...modelCases.filter((c) => c.exactWith === 'tflite' || c.model.includes('hello_world')),
    ...opCases.flatMap(([, cs]) => cs.slice(0, 4)),
  ];
  let errors = new Map<number, string>();
  beforeAll(async () => {
    await make('asan');
    errors = await batch(XS_ASAN, cases, 'asan');
  }, BUILD_TIMEOUT);
  it(`runs ${cases.length} cases with no sanitizer report (and frees everything), with the Node host's outputs`, () => {
    expect([...errors.values()]).toEqual([]);
    for (const c of cases) compareWithNode(c, 'asan');
  });
  it('streams a clip through the hotword app (the Signal ops\' state across 99 frames) with no sanitizer report', async () => {
    const { raw, node } = hotwordCase('yes', 'tflm');
    expect(JSON.parse(await driverAsync(XS_ASAN, hotwordArgs(raw, 'tflm'))).detections).toEqual(node);
  });
});
