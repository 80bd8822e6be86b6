// The program the XS desktop host runs (bundled into dist/xsml-xs-driver.js): xsml with the native
// executor, every kernel in C, one call into C per invoke.
//
//   xsml-xs dist/xsml-xs-driver.js run MODEL [--input RAWFILE]... [--repeat N] [--arena-bytes N]
//                                      [--exact-with tflite|tflm] [--profile] [--heap-buffers]
//       prints one JSON line: {"outputs": [{"name", "dtype", "shape", "data", ["quantization"]}],
//       "arenaBytes", "invoke": {"repeat", "microseconds", "kernelMicroseconds"}, "executor": "native",
//       ["profile": [{"op", "name", "microseconds"}]]}
//   xsml-xs dist/xsml-xs-driver.js batch MANIFEST.json
//       MANIFEST: [{"model", "inputs": [RAWFILE...], "outputs": [FILE...], ["exactWith"], ["heapBuffers"],
//       ["preserveInputs"]}]; runs every case once and writes each output's raw bytes; prints a JSON
//       line for each case that fails ({"case", "error", "stage", "code"}: code is the XsmlError's,
//       "exception" for any other exception, "model-write" if invoke changed the model's bytes),
//       then {"cases", "errors"}
//   xsml-xs dist/xsml-xs-driver.js hotword FRONT_END KEYWORDS SAMPLES [--exact-with X]
//       the hotword app (src/apps/hotword.ts) over raw 16 kHz int16 samples fed 20 ms at a time, then a
//       second of silence: {"detections": [{"label", "score", "timeMs"}], "frames", "inferences",
//       "frontEndMicroseconds", "modelMicroseconds", "arenaBytes"} (microseconds: totals)
//   xsml-xs dist/xsml-xs-driver.js gesture MODEL SAMPLES [--exact-with X]
//       the gesture app (src/apps/gesture.ts) over raw float32 x, y, z samples fed one at a time:
//       {"gestures": [{"label", "score", "timeMs"}], "samples", "inferences", "modelMicroseconds", "arenaBytes"}
//   xsml-xs dist/xsml-xs-driver.js heap MODEL [--exact-with X] [--invokes N] [--control] [--heap-buffers]
//       the XS heap growth over N invokes (after a warm-up and a full collection):
//       {"invokes", "chunksBytes", "slots", "controlArrays"}; --control allocates one small array per invoke
//
// Inputs are raw little-endian bytes in the tensor's dtype (the Node CLI converts .json/.npy/.csv).
// The arena and the model live in host buffers, outside the XS heap, as on a board (static memory
// the GC never moves); --heap-buffers puts them in ordinary ArrayBuffers in the XS heap instead.
// Errors print one line on stderr, "xsml: error (CODE): <message>" (src/errors.ts, errorLine), and exit 1.
import {
  ARENA_ALIGNMENT, GesturePredictor, errorLine, HotwordRecognizer, Interpreter, XsmlError, loadModel, planModel, type ExactWith, type Model, type TensorView,
} from '../../src/index.js';
import { nativeExecutor, type NativeExecutor } from './native-executor.js';

interface RunOptions {
  inputs: string[];
  preserveInputs?: boolean;
  repeat: number;
  arenaBytes: number | null;
  exactWith: ExactWith;
  profile: boolean;
  heapBuffers: boolean;
  invokes: number;
  control: boolean;
}

function parseOptions(argv: string[]): { positional: string[]; options: RunOptions } {
  const options: RunOptions = {
    inputs: [], repeat: 1, arenaBytes: null, exactWith: 'tflite', profile: false, heapBuffers: false, invokes: 100, control: false,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new XsmlError(`${a} needs a value`);
      return argv[++i];
    };
    const count = (min: number) => {
      const s = value();
      if (!/^\d+$/.test(s) || Number(s) < min) throw new XsmlError(`${a} must be an integer >= ${min}, got ${JSON.stringify(s)}`);
      return Number(s);
    };
    switch (a) {
      case '--input': options.inputs.push(value()); break;
      case '--repeat': options.repeat = count(1); break;
      case '--arena-bytes': options.arenaBytes = count(0); break;
      case '--invokes': options.invokes = count(0); break;
      case '--exact-with': {
        const r = value();
        if (r !== 'tflite' && r !== 'tflm') throw new XsmlError(`--exact-with must be tflite or tflm, got ${JSON.stringify(r)}`);
        options.exactWith = r;
        break;
      }
      case '--profile': options.profile = true; break;
      case '--heap-buffers': options.heapBuffers = true; break;
      case '--control': options.control = true; break;
      default:
        if (a.startsWith('-')) throw new XsmlError(`unknown option ${a}`);
        positional.push(a);
    }
  }
  return { positional, options };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFile(path));
  } catch (e) {
    throw new XsmlError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** byteLength zeroed bytes: a host buffer outside the XS heap, or an ArrayBuffer inside it. */
function allocate(byteLength: number, heapBuffers: boolean): Uint8Array {
  return heapBuffers ? new Uint8Array(byteLength) : new Uint8Array(xsmlNative.hostBuffer(byteLength));
}

/** A model read into a buffer of its own. */
function readModel(modelPath: string, heapBuffers: boolean): Model {
  const file = readBytes(modelPath, 'model');
  const bytes = allocate(file.byteLength, heapBuffers);
  bytes.set(file);
  return loadModel(bytes, basename(modelPath));
}

/** An interpreter on the native executor, its inputs filled from raw files. */
function open(modelPath: string, inputs: string[], options: RunOptions): Interpreter {
  const model = readModel(modelPath, options.heapBuffers);
  const planOptions = { exactWith: options.exactWith, preserveInputs: options.preserveInputs };
  const arenaBytes = options.arenaBytes ?? planModel(model, planOptions).arenaBytes;
  const arena = allocate(arenaBytes, options.heapBuffers);
  const interp = new Interpreter(model, { ...planOptions, arena, executor: nativeExecutor });
  const n = interp.inputs.length;
  if (inputs.length > n) throw new XsmlError(`${model.name} has ${n} input${n > 1 ? 's' : ''}, got ${inputs.length} --input files`);
  if (inputs.length > 0 && inputs.length < n) throw new XsmlError(`${model.name} has ${n} inputs, got ${inputs.length} --input files (give all or none)`);
  inputs.forEach((path, k) => fillRaw(interp.inputs[k], k, path));
  return interp;
}

function bytesOf(v: TensorView): Uint8Array {
  return new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
}

function fillRaw(view: TensorView, k: number, path: string): void {
  const bytes = readBytes(path, `input ${k}`);
  const target = bytesOf(view);
  if (bytes.length !== target.length) {
    throw new XsmlError(`input ${k} (tensor ${JSON.stringify(view.name)}, ${view.dtype}[${view.shape.join(',')}]): ${path} has ${bytes.length} bytes, expected ${target.length} raw little-endian ${view.dtype} bytes`, 'BAD_INPUT');
  }
  target.set(bytes);
}

function run(modelPath: string, options: RunOptions): void {
  const interp = open(modelPath, options.inputs, options);
  const executor = interp.executor as NativeExecutor;
  // The arena may reuse the inputs' bytes during invoke: each repetition gets them back first.
  const saved = interp.inputs.map((v) => bytesOf(v).slice());
  let microseconds = 0;
  const kernelStart = executor.kernelNanoseconds();
  for (let r = 0; r < options.repeat; r++) {
    interp.inputs.forEach((v, k) => bytesOf(v).set(saved[k]));
    const start = xsmlNative.now();
    interp.invoke();
    microseconds += xsmlNative.now() - start;
  }
  const kernelMicroseconds = (executor.kernelNanoseconds() - kernelStart) / 1000 / options.repeat;
  const outputs = interp.outputs.map((v) => ({
    name: v.name, dtype: v.dtype, shape: v.shape, data: Array.from(v.data),
    ...(v.quant ? { quantization: v.quant } : {}),
  }));
  const profile = options.profile ? profileOps(interp, saved, options.repeat) : null;
  print(JSON.stringify({
    outputs, arenaBytes: interp.plan.arenaBytes,
    invoke: { repeat: options.repeat, microseconds: microseconds / options.repeat, kernelMicroseconds },
    executor: executor.name,
    ...(profile ? { profile } : {}),
  }));
}

/** Time of each op, the mean over `repeat` runs of the whole model. */
function profileOps(interp: Interpreter, inputs: Uint8Array[], repeat: number) {
  const ops = planModel(interp.model, interp.plan).ops; // the interpreter keeps no op list
  const microseconds = ops.map(() => 0);
  for (let r = 0; r < repeat; r++) {
    interp.inputs.forEach((v, k) => bytesOf(v).set(inputs[k]));
    for (let i = 0; i < microseconds.length; i++) {
      const start = xsmlNative.now();
      interp.invokeOps(i, i + 1);
      microseconds[i] += xsmlNative.now() - start;
    }
  }
  return ops.map((op, i) => ({ op: op.index, name: op.name, microseconds: microseconds[i] / repeat }));
}

interface BatchCase {
  model: string;
  inputs: string[];
  outputs: string[];
  exactWith?: ExactWith;
  heapBuffers?: boolean;
  preserveInputs?: boolean;
}

function batch(manifestPath: string): void {
  let cases: BatchCase[];
  try {
    cases = JSON.parse(String.fromArrayBuffer(readFile(manifestPath)));
  } catch (e) {
    throw new XsmlError(`cannot read the manifest ${manifestPath}: ${(e as Error).message}`);
  }
  let errors = 0;
  cases.forEach((c, i) => {
    let stage = 'prepare';
    try {
      const options: RunOptions = {
        inputs: c.inputs, repeat: 1, arenaBytes: null, exactWith: c.exactWith ?? 'tflite', profile: false,
        heapBuffers: c.heapBuffers ?? false, invokes: 1, control: false, preserveInputs: c.preserveInputs,
      };
      const interp = open(c.model, c.inputs, options);
      stage = 'invoke';
      const model = interp.model.bytes, before = model.slice();
      interp.invoke();
      for (let b = 0; b < before.length; b++) {
        if (model[b] !== before[b]) {
          errors++;
          print(JSON.stringify({ case: i, error: `invoke changed the model's byte ${b}`, stage, code: 'model-write' }));
          return;
        }
      }
      if (c.outputs.length !== interp.outputs.length) throw new XsmlError(`${c.model} has ${interp.outputs.length} outputs, the manifest names ${c.outputs.length} files`);
      interp.outputs.forEach((v, k) => writeFile(c.outputs[k], bytesOf(v)));
    } catch (e) {
      errors++;
      const code = e instanceof XsmlError ? e.code : 'exception';
      print(JSON.stringify({ case: i, error: code === 'exception' ? `${(e as Error)?.name}: ${messageOf(e)}` : messageOf(e), stage, code }));
    }
  });
  print(JSON.stringify({ cases: cases.length, errors }));
}

/** One arena for the models of an app: the sum of their plans, each rounded up to the alignment. */
function appArena(models: Model[], options: RunOptions, preserveInputs: boolean): Uint8Array {
  let bytes = 0;
  models.forEach((m, k) => {
    const need = planModel(m, { exactWith: options.exactWith, preserveInputs: preserveInputs && k === models.length - 1 }).arenaBytes;
    bytes += Math.ceil(need / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;
  });
  return allocate(bytes, options.heapBuffers);
}

/** The hotword app over raw int16 samples, fed 20 ms (320 samples) at a time, as from a microphone. */
function hotword(frontEndPath: string, keywordsPath: string, samplesPath: string, options: RunOptions): void {
  const raw = readBytes(samplesPath, 'the samples');
  if (raw.byteLength % 2 !== 0) throw new XsmlError(`${samplesPath}: ${raw.byteLength} bytes are not whole int16 samples`);
  const samples = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const frontEnd = readModel(frontEndPath, options.heapBuffers), keywords = readModel(keywordsPath, options.heapBuffers);
  const arena = appArena([frontEnd, keywords], options, true);
  const recognizer = new HotwordRecognizer(frontEnd, keywords, {
    interpreter: { arena, exactWith: options.exactWith, executor: nativeExecutor }, now: xsmlNative.now,
  });
  const detections = [];
  for (let at = 0; at < samples.length; at += recognizer.strideSamples) {
    detections.push(...recognizer.push(samples.subarray(at, Math.min(samples.length, at + recognizer.strideSamples))));
  }
  detections.push(...recognizer.finish());
  const s = recognizer.stats;
  print(JSON.stringify({
    detections, frames: s.frames, inferences: s.inferences, frontEndMicroseconds: s.frontEndTime, modelMicroseconds: s.modelTime,
    arenaBytes: arena.byteLength,
  }));
}

/** The gesture app over raw float32 (x, y, z) samples, fed one at a time, as from an accelerometer. */
function gesture(modelPath: string, samplesPath: string, options: RunOptions): void {
  const raw = readBytes(samplesPath, 'the samples');
  if (raw.byteLength % 12 !== 0) throw new XsmlError(`${samplesPath}: ${raw.byteLength} bytes are not whole float32 (x, y, z) samples (12 bytes each)`);
  const samples = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const model = readModel(modelPath, options.heapBuffers);
  const arena = appArena([model], options, true);
  const predictor = new GesturePredictor(model, { interpreter: { arena, exactWith: options.exactWith, executor: nativeExecutor }, now: xsmlNative.now });
  const gestures = [];
  for (let at = 0; at < samples.length; at += 3) gestures.push(...predictor.push(samples.subarray(at, at + 3)));
  const s = predictor.stats;
  print(JSON.stringify({ gestures, samples: s.samples, inferences: s.inferences, modelMicroseconds: s.modelTime, arenaBytes: arena.byteLength }));
}

const WARMUP_INVOKES = 3;

/** How much the XS heap grows over `options.invokes` invokes. */
function heap(modelPath: string, options: RunOptions): void {
  const interp = open(modelPath, [], options);
  for (const v of interp.inputs) {
    const bytes = bytesOf(v);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 19;
  }
  const stats = new Float64Array(4);
  const kept: number[][] = [];
  const invokes = options.invokes;
  const control = options.control;
  for (let i = 0; i < WARMUP_INVOKES; i++) interp.invoke();
  xsmlNative.collect();
  // From here to the second heapStats, only invoke runs (and, for the control, one array each).
  xsmlNative.heapStats(stats);
  const chunksBytes = stats[0];
  const slots = stats[1];
  if (control) {
    for (let i = 0; i < invokes; i++) {
      interp.invoke();
      kept.push([i]);
    }
  } else {
    for (let i = 0; i < invokes; i++) interp.invoke();
  }
  xsmlNative.heapStats(stats);
  // `kept` is printed so that no bundler drops the control's allocations as dead code.
  print(JSON.stringify({ invokes, chunksBytes: stats[0] - chunksBytes, slots: stats[1] - slots, controlArrays: kept.length }));
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
}

function main(argv: string[]): number {
  try {
    const { positional, options } = parseOptions(argv);
    const [command, ...paths] = positional;
    const expect = (...names: string[]) => {
      if (paths.length < names.length) throw new XsmlError(`${command}: no ${names[paths.length]} given`);
      if (paths.length > names.length) throw new XsmlError(`unexpected argument ${JSON.stringify(paths[names.length])}`);
    };
    switch (command) {
      case 'run': expect('MODEL'); run(paths[0], options); return 0;
      case 'batch': expect('MANIFEST'); batch(paths[0]); return 0;
      case 'heap': expect('MODEL'); heap(paths[0], options); return 0;
      case 'hotword': expect('FRONT_END', 'KEYWORDS', 'SAMPLES'); hotword(paths[0], paths[1], paths[2], options); return 0;
      case 'gesture': expect('MODEL', 'SAMPLES'); gesture(paths[0], paths[1], options); return 0;
      case undefined: throw new XsmlError('usage: xsml-xs xsml-xs-driver.js run|batch|heap|hotword|gesture ... (see hosts/xs/driver.ts)');
      default: throw new XsmlError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    writeStderr(`${errorLine(e)}\n`);
    return 1;
  }
}

const status = main(scriptArgs);
if (status !== 0) exit(status);
