// The apps of src/apps/ on the board: a recording fed as its driver would deliver it (hotword: 20 ms
// of 16 kHz samples at a time, as from a microphone's DMA buffer; gesture: one x, y, z sample at a
// time, as from an accelerometer at 25 Hz), each detection printed on the console with the
// instructions of the step that decided it and its share of the real-time budget: the step's audio
// (or sample period) at the nominal clock, one instruction per cycle.
import type { Detection, Gesture, Interpreter } from '../../../src/index.js';
import { planPoolBytes } from './measure.js';

/** What an app did with a recording (the runner prints it as JSON). */
export interface StreamReport {
  app: 'hotword' | 'gesture';
  recording: string;
  host: string;
  found: (Detection | Gesture)[];
  /** Front end runs (hotword) or samples (gesture). */
  steps: number;
  inferences: number;
  /** Instructions: means per front end run and per inference, and the most any step took. */
  frontEndInstructions: number;
  modelInstructions: number;
  maxStepInstructions: number;
  /** Instructions a step may take to keep up at the nominal clock. */
  budgetInstructions: number;
  /** Bytes: the arena of the app's models, their plans, and what the app keeps in the XS heap. */
  memory: { arenaBytes: number; planBytes: number; heapBytes: number };
  prepareInstructions: number;
}

export interface StreamSource {
  app: 'hotword' | 'gesture';
  name: string;
  data: Uint8Array;
  /** The models' bytes, read in place. hotword: the front end and the keyword model; gesture: the gesture model. */
  models: { name: string; bytes: Uint8Array }[];
  exactWith: 'tflite' | 'tflm';
}

const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The XS heap in use after a full collection (chunks and slots), in bytes. */
export function liveBytes(): number {
  xsmlBoard.collect();
  const h = xsmlBoard.heapStats();
  return h.chunksBytes + h.slots * h.slotBytes;
}

/** What `t = now(); now() - t` counts with nothing between: taken off every measurement. */
let clockZero = Infinity;
const now = () => xsmlBoard.instructions();
for (let i = 0; i < 8; i++) {
  const t = now();
  clockZero = Math.min(clockZero, now() - t);
}

/** Runs an app over a recording; prints each detection when `verbose`. */
export function stream(source: StreamSource, arena: Uint8Array, verbose: boolean): StreamReport {
  const native = typeof xsmlNative !== 'undefined';
  const mhz = xsmlBoard.nominalHz / 1e6;
  const interpreter = { arena, exactWith: source.exactWith, ...(native ? { executor: xsml.nativeExecutor } : {}) };
  const before = liveBytes();
  const poolBefore = planPoolBytes();
  const t = now();
  const models = source.models.map((m) => xsml.loadModel(m.bytes, m.name));
  const data = source.data;
  let report: StreamReport;
  const line = (what: string, instructions: number, budget: number) =>
    `${what.padEnd(40)} ${grouped(instructions)} instructions (${(instructions / mhz / 1000).toFixed(2)} ms), ` +
    `${(100 * instructions / budget).toFixed(1)}% of the ${(budget / mhz / 1000).toFixed(0)} ms budget`;

  if (source.app === 'hotword') {
    if (source.models.length !== 2) throw new xsml.XsmlError(`${source.name}: the hotword app needs two models, got ${source.models.length}`, 'BAD_ARGUMENT');
    if (data.byteLength % 2 !== 0) throw new xsml.XsmlError(`${source.name}: ${data.byteLength} bytes are not whole int16 samples`, 'BAD_INPUT');
    const app = new xsml.HotwordRecognizer(models[0], models[1], { interpreter, now });
    const prepareInstructions = now() - t - clockZero;
    const heapBytes = liveBytes() - before;
    const samples = new Int16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    const budget = app.strideSamples / app.sampleRate * xsmlBoard.nominalHz;
    const s = app.stats;
    let maxStep = 0, frontEnd = 0, model = 0;
    const found: Detection[] = [];
    const step = (piece: Int16Array) => {
      const frames = s.frames;
      const heard = app.push(piece);
      if (s.frames === frames) return;
      const f = s.lastFrontEndTime - clockZero, m = s.lastModelTime > 0 ? s.lastModelTime - clockZero : 0;
      frontEnd += f;
      model += m;
      maxStep = Math.max(maxStep, f + m);
      for (const d of heard) {
        found.push(d);
        if (verbose) print(line(xsml.describeDetection(d), f + m, budget) + ` (front end ${grouped(f)} + model ${grouped(m)})`);
      }
    };
    for (let at = 0; at < samples.length; at += app.strideSamples) step(samples.subarray(at, Math.min(samples.length, at + app.strideSamples)));
    // A second of silence after the recording, as a microphone that keeps listening hears.
    const silence = new Int16Array(app.strideSamples);
    for (let i = Math.ceil(app.sampleRate / app.strideSamples); i > 0; i--) step(silence);
    report = {
      app: 'hotword', recording: source.name, host: xsmlBoard.name, found, steps: s.frames, inferences: s.inferences,
      frontEndInstructions: frontEnd / Math.max(1, s.frames), modelInstructions: model / Math.max(1, s.inferences),
      maxStepInstructions: maxStep, budgetInstructions: budget,
      memory: { arenaBytes: interpreterBytes([app.frontEnd, app.model]), planBytes: planPoolBytes() - poolBefore, heapBytes },
      prepareInstructions,
    };
  } else {
    if (source.models.length !== 1) throw new xsml.XsmlError(`${source.name}: the gesture app needs one model, got ${source.models.length}`, 'BAD_ARGUMENT');
    if (data.byteLength % 12 !== 0) throw new xsml.XsmlError(`${source.name}: ${data.byteLength} bytes are not whole float32 (x, y, z) samples`, 'BAD_INPUT');
    const app = new xsml.GesturePredictor(models[0], { interpreter, now });
    const prepareInstructions = now() - t - clockZero;
    const heapBytes = liveBytes() - before;
    const samples = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    const budget = xsmlBoard.nominalHz / 25;
    const s = app.stats;
    let maxStep = 0, model = 0;
    const found: Gesture[] = [];
    for (let at = 0; at < samples.length; at += 3) {
      const inferences = s.inferences;
      const seen = app.push(samples.subarray(at, at + 3));
      if (s.inferences === inferences) continue;
      const m = s.lastModelTime - clockZero;
      model += m;
      maxStep = Math.max(maxStep, m);
      for (const g of seen) {
        found.push(g);
        if (verbose) print(line(xsml.describeGesture(g), m, budget));
      }
    }
    report = {
      app: 'gesture', recording: source.name, host: xsmlBoard.name, found, steps: s.samples, inferences: s.inferences,
      frontEndInstructions: 0, modelInstructions: model / Math.max(1, s.inferences), maxStepInstructions: maxStep, budgetInstructions: budget,
      memory: { arenaBytes: interpreterBytes([app.model]), planBytes: planPoolBytes() - poolBefore, heapBytes },
      prepareInstructions,
    };
  }
  return report;
}

/** The arena bytes of interpreters laid out one after the other (each from an aligned offset). */
function interpreterBytes(interps: Interpreter[]): number {
  const align = xsml.ARENA_ALIGNMENT;
  let bytes = 0;
  for (const i of interps) bytes = Math.ceil(bytes / align) * align + i.plan.arenaBytes;
  return bytes;
}
