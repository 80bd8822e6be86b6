// `xsml hotword FILE.wav` and `xsml gesture FILE`: the apps of src/apps/ over a recording on Node.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GesturePredictor, HotwordRecognizer, XsmlError, describeDetection, describeGesture, loadModel, type ExactWith, type Model,
} from '../../src/index.js';
import { readWav } from './wav.js';

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

function model(file: string): Model {
  return loadModel(new Uint8Array(readFileSync(join(modelsDir(), file))), file);
}

function checkHost(command: string, host: string): void {
  if (host !== 'node') throw new XsmlError(`${command}: --host ${host} is not supported yet; the apps run on node`, 'BAD_ARGUMENT');
}

const now = () => performance.now();

export function hotword(args: AppArgs): void {
  checkHost('hotword', args.host);
  const wav = readWav(args.file);
  if (wav.sampleRate !== 16000) throw new XsmlError(`${args.file}: ${wav.sampleRate} Hz audio, expected 16000 Hz`, 'BAD_INPUT');
  const recognizer = new HotwordRecognizer(model('audio_preprocessor_int8.tflite'), model('micro_speech_quantized.tflite'), {
    interpreter: { exactWith: args.exactWith }, now,
  });
  const detections = [...recognizer.push(wav.samples), ...recognizer.finish()];
  const s = recognizer.stats;
  const audioMs = wav.samples.length / 16;
  if (args.json) {
    console.log(JSON.stringify({
      file: args.file, host: args.host, detections, audioMs, frames: s.frames, inferences: s.inferences,
      frontEndMs: s.frontEndMs, modelMs: s.modelMs,
    }));
    return;
  }
  for (const d of detections) console.log(describeDetection(d));
  if (detections.length === 0) console.log('Heard nothing');
  console.log(`${basename(args.file)}: ${(audioMs / 1000).toFixed(2)} s of audio and 1 s of silence after it, ${s.frames} frames, `
    + `${s.inferences} inferences; front end ${(s.frontEndMs / Math.max(1, s.frames)).toFixed(3)} ms per frame, `
    + `keyword model ${(s.modelMs / Math.max(1, s.inferences)).toFixed(3)} ms per inference (host ${args.host})`);
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
  const predictor = new GesturePredictor(model('magic_wand.tflite'), { interpreter: { exactWith: args.exactWith }, now });
  const gestures = predictor.push(samples);
  const s = predictor.stats;
  if (args.json) {
    console.log(JSON.stringify({ file: args.file, host: args.host, gestures, samples: s.samples, inferences: s.inferences, modelMs: s.modelMs }));
    return;
  }
  for (const g of gestures) console.log(describeGesture(g));
  if (gestures.length === 0) console.log('No gesture');
  console.log(`${basename(args.file)}: ${s.samples} samples (${(s.samples / 25).toFixed(2)} s at 25 Hz), ${s.inferences} inferences, `
    + `${(s.modelMs / Math.max(1, s.inferences)).toFixed(3)} ms per inference (host ${args.host})`);
}
