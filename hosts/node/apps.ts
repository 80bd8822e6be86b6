// `xsml hotword FILE.wav` and `xsml gesture FILE`: the apps of src/apps/ over a recording, on any
// host: Node (TypeScript kernels, timed in ms), XS (hosts/xs, C kernels, timed in us) or an emulated
// board (hosts/mps2, fed as from its driver, timed in instructions). Every host prints the same
// detections; the time line says what the host measures.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GesturePredictor, HotwordRecognizer, XsmlError, describeDetection, describeGesture, loadModel, type Detection, type ExactWith, type Gesture,
} from '../../src/index.js';
import { BOARDS, streamOnBoard, type BoardStreamReport } from './board-host.js';
import { readWav } from './wav.js';
import { gestureOnXs, hotwordOnXs } from './xs-host.js';

export interface AppArgs {
  file: string;
  host: string;
  exactWith: ExactWith;
  json: boolean;
}

/** models/tflm of the package (found from this file, in the sources or in dist/). */
function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'models/tflm/micro_speech_quantized.tflite'))) return join(dir, 'models/tflm');
    dir = dirname(dir);
  }
  throw new XsmlError('cannot find the models/ folder of xsml', 'BAD_ARGUMENT');
}

const FRONT_END = 'audio_preprocessor_int8.tflite';
const KEYWORDS = 'micro_speech_quantized.tflite';
const WAND = 'magic_wand.tflite';
const modelPath = (file: string) => join(modelsDir(), file);
const modelBytes = (file: string) => new Uint8Array(readFileSync(modelPath(file)));
const model = (file: string) => loadModel(modelBytes(file), file);

function checkHost(command: string, host: string): void {
  if (host !== 'node' && host !== 'xs' && !BOARDS[host]) {
    throw new XsmlError(`${command}: unknown host ${JSON.stringify(host)}: available hosts are node, xs, ${Object.keys(BOARDS).join(', ')}`, 'BAD_ARGUMENT');
  }
}

const now = () => performance.now();
const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A board's report: its error as an XsmlError, or the report. */
function onBoard(host: string, app: 'hotword' | 'gesture', file: string, data: Uint8Array, models: string[], exactWith: ExactWith): BoardStreamReport {
  const r = streamOnBoard(host, [{ app, name: basename(file), data, models: models.map(modelBytes), exactWith }]).results[0];
  if (!r.ok) throw new XsmlError(r.error, r.code);
  return r.report;
}

/** "... = 92.1% of the 20 ms budget at 216 MHz" for a board's step. */
const budget = (instructions: number, r: BoardStreamReport) =>
  `${(100 * instructions / r.budgetInstructions).toFixed(1)}% of the ${Math.round(r.budgetInstructions / 216e3)} ms budget at 216 MHz`;

export function hotword(args: AppArgs): void {
  checkHost('hotword', args.host);
  const wav = readWav(args.file);
  if (wav.sampleRate !== 16000) throw new XsmlError(`${args.file}: ${wav.sampleRate} Hz audio, expected 16000 Hz`, 'BAD_INPUT');
  let detections: Detection[], frames: number, inferences: number, frontEnd: number, keywords: number, unit: string, extra = '';
  if (args.host === 'node') {
    const recognizer = new HotwordRecognizer(model(FRONT_END), model(KEYWORDS), { interpreter: { exactWith: args.exactWith }, now });
    detections = [...recognizer.push(wav.samples), ...recognizer.finish()];
    const s = recognizer.stats;
    ({ frames, inferences } = s);
    frontEnd = s.frontEndTime / Math.max(1, frames);
    keywords = s.modelTime / Math.max(1, inferences);
    unit = 'ms';
  } else if (args.host === 'xs') {
    const r = hotwordOnXs(modelPath(FRONT_END), modelPath(KEYWORDS), wav.samples, args.exactWith);
    ({ detections, frames, inferences } = r);
    frontEnd = r.frontEndMicroseconds / Math.max(1, frames);
    keywords = r.modelMicroseconds / Math.max(1, inferences);
    unit = 'us';
  } else {
    const bytes = new Uint8Array(wav.samples.buffer, wav.samples.byteOffset, wav.samples.byteLength);
    const r = onBoard(args.host, 'hotword', args.file, bytes, [FRONT_END, KEYWORDS], args.exactWith);
    detections = r.found;
    frames = r.steps;
    inferences = r.inferences;
    frontEnd = r.frontEndInstructions;
    keywords = r.modelInstructions;
    unit = 'instructions';
    extra = `; the longest 20 ms step ${grouped(r.maxStepInstructions)} instructions, ${budget(r.maxStepInstructions, r)}; `
      + `RAM: arena ${r.memory.arenaBytes} bytes, plans ${r.memory.planBytes} bytes, XS heap ${r.memory.heapBytes} bytes`;
  }
  const audioMs = wav.samples.length / 16;
  if (args.json) {
    console.log(JSON.stringify({ file: args.file, host: args.host, detections, audioMs, frames, inferences, unit, frontEndPerFrame: frontEnd, modelPerInference: keywords }));
    return;
  }
  for (const d of detections) console.log(describeDetection(d));
  if (detections.length === 0) console.log('Heard nothing');
  const time = (x: number) => (unit === 'instructions' ? `${grouped(x)} instructions` : `${x.toFixed(3)} ${unit}`);
  console.log(`${basename(args.file)}: ${(audioMs / 1000).toFixed(2)} s of audio and 1 s of silence after it, ${frames} frames, `
    + `${inferences} inferences; front end ${time(frontEnd)} per frame, keyword model ${time(keywords)} per inference (host ${args.host})${extra}`);
}

/** Accelerometer samples from a file: raw float32 (x, y, z interleaved), .csv or .json numbers. */
function readSamples(path: string): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new XsmlError(`cannot read ${path}: ${(e as Error).message}`, 'BAD_INPUT');
  }
  const ext = extname(path).toLowerCase();
  let values: number[];
  if (ext === '.json') {
    try {
      values = ([JSON.parse(bytes.toString('utf8'))] as unknown[]).flat(Infinity) as number[];
    } catch (e) {
      throw new XsmlError(`${path}: not valid JSON: ${(e as Error).message}`, 'BAD_INPUT');
    }
  } else if (ext === '.csv' || ext === '.txt') {
    values = bytes.toString('utf8').split(/[\s,;]+/).filter((x) => x !== '').map(Number);
  } else {
    if (bytes.length % 12 !== 0) throw new XsmlError(`${path}: ${bytes.length} bytes are not whole float32 (x, y, z) samples (12 bytes each)`, 'BAD_INPUT');
    return new Float32Array(new Uint8Array(bytes).buffer, 0, bytes.length / 4);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new XsmlError(`${path}: value ${i} is not a number`, 'BAD_INPUT');
  });
  if (values.length % 3 !== 0) throw new XsmlError(`${path}: ${values.length} values are not whole (x, y, z) samples`, 'BAD_INPUT');
  return Float32Array.from(values);
}

export function gesture(args: AppArgs): void {
  checkHost('gesture', args.host);
  const samples = readSamples(args.file);
  let gestures: Gesture[], count: number, inferences: number, perInference: number, unit: string, extra = '';
  if (args.host === 'node') {
    const predictor = new GesturePredictor(model(WAND), { interpreter: { exactWith: args.exactWith }, now });
    gestures = predictor.push(samples);
    ({ samples: count, inferences } = predictor.stats);
    perInference = predictor.stats.modelTime / Math.max(1, inferences);
    unit = 'ms';
  } else if (args.host === 'xs') {
    const r = gestureOnXs(modelPath(WAND), samples, args.exactWith);
    ({ gestures, samples: count, inferences } = r);
    perInference = r.modelMicroseconds / Math.max(1, inferences);
    unit = 'us';
  } else {
    const r = onBoard(args.host, 'gesture', args.file, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), [WAND], args.exactWith);
    gestures = r.found;
    count = r.steps;
    inferences = r.inferences;
    perInference = r.modelInstructions;
    unit = 'instructions';
    extra = `; the longest ${grouped(r.maxStepInstructions)} instructions, ${budget(r.maxStepInstructions, r)}; `
      + `RAM: arena ${r.memory.arenaBytes} bytes, plan ${r.memory.planBytes} bytes, XS heap ${r.memory.heapBytes} bytes`;
  }
  if (args.json) {
    console.log(JSON.stringify({ file: args.file, host: args.host, gestures, samples: count, inferences, unit, modelPerInference: perInference }));
    return;
  }
  for (const g of gestures) console.log(describeGesture(g));
  if (gestures.length === 0) console.log('No gesture');
  const time = unit === 'instructions' ? `${grouped(perInference)} instructions` : `${perInference.toFixed(3)} ${unit}`;
  console.log(`${basename(args.file)}: ${count} samples (${(count / 25).toFixed(2)} s at 25 Hz), ${inferences} inferences, `
    + `${time} per inference (host ${args.host})${extra}`);
}
