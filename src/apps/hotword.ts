// A streaming hotword recognizer on the public API: 16 kHz int16 audio in, detected words out.
//
//   audio --(480-sample window every 320 samples: 30 ms every 20 ms)--> front end model
//         --(40 int8 features per frame)--> the last 49 frames --> keyword model (micro_speech)
//         --(4 int8 scores per inference)--> command recognizer --> detections
//
// The front end is TFLM's audio_preprocessor_int8.tflite (Signal ops), so the features are TFLM's own;
// the keyword model runs once the 49-frame window holds real audio only (windows padded with silence
// make the model hear words in it), then after every new frame. The recognizer is TFLM micro_speech's
// RecognizeCommands: scores (q + 128, 0..255) averaged over the results of the last averageWindowMs
// (at least minimumCount of them spanning a quarter of the window), a top label above
// detectionThreshold is new unless it is the previous one within suppressionMs. finish() feeds
// averageWindowMs of silence, as a microphone that keeps listening would, so a word at the end of a
// recording is still decided. Allocates nothing per frame (a detection allocates its record).
//
// One arena (options.interpreter.arena) serves both models: the front end takes its start, the
// keyword model what follows (each model's own plan says how much).

import { XsmlError } from '../errors.js';
import { Interpreter, type InterpreterOptions } from '../interpreter.js';
import type { Model } from '../model/model.js';
import { ARENA_ALIGNMENT, planModel } from '../planner.js';

export const MICRO_SPEECH_LABELS = ['silence', 'unknown', 'yes', 'no'];

export interface HotwordOptions {
  /** The keyword model's classes, in output order (default: micro_speech's). */
  labels?: string[];
  /** Labels never reported (default: silence and unknown). */
  ignore?: string[];
  sampleRate?: number; // 16000
  strideSamples?: number; // 320: one feature frame every 20 ms
  averageWindowMs?: number; // 1000
  detectionThreshold?: number; // 200 of 255
  suppressionMs?: number; // 1500
  minimumCount?: number; // 3
  /** Options of both interpreters (exactWith, executor, ...); an arena is shared: see above. */
  interpreter?: InterpreterOptions;
  /** A clock (any unit: ms, instructions, ...): when given, the time spent in each model is measured in `stats`. */
  now?: () => number;
}

export interface Detection {
  label: string;
  /** The averaged score, 0..1 (the model's probability scale: (q + 128) / 256). */
  score: number;
  /** Audio time of the detection: the end of the latest frame, from the start of the stream. */
  timeMs: number;
}

/** Times are in the units of options.now (0 without it). */
export interface HotwordStats {
  frames: number; // front end runs
  inferences: number; // keyword model runs
  frontEndTime: number; // total time in the front end
  modelTime: number; // total time in the keyword model
  lastFrontEndTime: number; // of the latest frame
  lastModelTime: number; // of the latest frame (0 if the model did not run)
}

/** Results kept (TFLM's queue holds 50, one short of a 1000 ms window at one result every 20 ms). */
const MAX_RESULTS = 64;

export class HotwordRecognizer {
  readonly frontEnd: Interpreter;
  readonly model: Interpreter;
  readonly labels: string[];
  readonly sampleRate: number;
  readonly windowSamples: number;
  readonly strideSamples: number;
  readonly featureSize: number;
  readonly frames: number; // feature frames the keyword model sees
  readonly stats: HotwordStats = { frames: 0, inferences: 0, frontEndTime: 0, modelTime: 0, lastFrontEndTime: 0, lastModelTime: 0 };

  private readonly averageWindowMs: number;
  private readonly threshold: number;
  private readonly suppressionMs: number;
  private readonly minimumCount: number;
  private readonly reported: boolean[];
  private readonly now: (() => number) | undefined;

  // The models' inputs and outputs, kept: an interpreter makes its views anew each time they are read.
  private readonly audio: Int16Array;
  private readonly features: Int8Array;
  private readonly window: Int8Array;
  private readonly scores: Int8Array;
  private readonly pending: Int16Array; // the samples of the next frame
  private pendingCount = 0;
  private framesSeen = 0;
  // The recognizer's queue of results: times and scores (+128), a ring of MAX_RESULTS.
  private readonly resultTimes = new Float64Array(MAX_RESULTS);
  private readonly resultScores: Uint8Array;
  private resultFront = 0;
  private resultCount = 0;
  private readonly averages: Int32Array;
  private previousTop = 0; // label index; 0 (the first label) stands for "none yet", as TFLM's "silence"
  private previousTopTime = -Infinity;

  constructor(frontEnd: Model, model: Model, options: HotwordOptions = {}) {
    const fail = (message: string): never => { throw new XsmlError(`hotword: ${message}`, 'BAD_ARGUMENT'); };
    const arena = options.interpreter?.arena;
    this.frontEnd = new Interpreter(frontEnd, options.interpreter);
    const frontEndBytes = Math.ceil(this.frontEnd.plan.arenaBytes / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;
    const modelArena = arena?.subarray(Math.min(arena.byteLength, frontEndBytes));
    try {
      // The input holds the frame history: no other tensor may reuse its bytes.
      this.model = new Interpreter(model, { ...options.interpreter, arena: modelArena, preserveInputs: true });
    } catch (e) {
      if (!(arena && e instanceof XsmlError && e.code === 'ARENA_TOO_SMALL')) throw e;
      const need = frontEndBytes + planModel(model, { ...options.interpreter, preserveInputs: true }).arenaBytes;
      throw new XsmlError(`hotword: an arena of ${arena.byteLength} bytes is too small: the front end ${frontEnd.name} and the keyword model ${model.name} need ${need} bytes`, 'ARENA_TOO_SMALL');
    }
    const audio = this.frontEnd.inputs[0], features = this.frontEnd.outputs[0];
    const window = this.model.inputs[0], scores = this.model.outputs[0];
    if (this.frontEnd.inputs.length !== 1 || audio.dtype !== 'int16') fail(`the front end ${frontEnd.name} must take one int16 input (audio samples), it takes ${this.frontEnd.inputs.map((v) => v.dtype).join(', ')}`);
    if (features.dtype !== 'int8') fail(`the front end ${frontEnd.name} must give int8 features, it gives ${features.dtype}`);
    if (this.model.inputs.length !== 1 || window.dtype !== 'int8') fail(`the keyword model ${model.name} must take one int8 input`);
    if (scores.dtype !== 'int8') fail(`the keyword model ${model.name} must give int8 scores, it gives ${scores.dtype}`);
    this.audio = audio.data as Int16Array;
    this.features = features.data as Int8Array;
    this.window = window.data as Int8Array;
    this.scores = scores.data as Int8Array;
    this.windowSamples = audio.data.length;
    this.featureSize = features.data.length;
    if (window.data.length % this.featureSize !== 0) fail(`the keyword model's input (${window.data.length} values) is not a whole number of ${this.featureSize}-feature frames`);
    this.frames = window.data.length / this.featureSize;
    this.labels = options.labels ?? MICRO_SPEECH_LABELS;
    if (this.labels.length !== scores.data.length) fail(`${this.labels.length} labels for ${scores.data.length} scores`);
    const ignore = options.ignore ?? ['silence', 'unknown'];
    this.reported = this.labels.map((l) => !ignore.includes(l));
    this.sampleRate = options.sampleRate ?? 16000;
    this.strideSamples = options.strideSamples ?? 320;
    if (!(this.strideSamples > 0 && this.strideSamples <= this.windowSamples)) fail(`stride ${this.strideSamples} must be in 1..${this.windowSamples}`);
    this.averageWindowMs = options.averageWindowMs ?? 1000;
    this.threshold = options.detectionThreshold ?? 200;
    this.suppressionMs = options.suppressionMs ?? 1500;
    this.minimumCount = options.minimumCount ?? 3;
    this.now = options.now;
    this.pending = new Int16Array(this.windowSamples);
    this.resultScores = new Uint8Array(MAX_RESULTS * this.labels.length);
    this.averages = new Int32Array(this.labels.length);
  }

  /** Feeds audio samples; returns the words detected while processing them (usually none). */
  push(samples: ArrayLike<number>): Detection[] {
    const found: Detection[] = [];
    const n = samples.length;
    for (let i = 0; i < n;) {
      const take = Math.min(n - i, this.windowSamples - this.pendingCount);
      for (let k = 0; k < take; k++) this.pending[this.pendingCount + k] = samples[i + k];
      this.pendingCount += take;
      i += take;
      if (this.pendingCount === this.windowSamples) {
        const detection = this.frame();
        if (detection) found.push(detection);
        this.pending.copyWithin(0, this.strideSamples);
        this.pendingCount -= this.strideSamples;
      }
    }
    return found;
  }

  /** Feeds averageWindowMs of silence (the end of a recording), returning what it decides. */
  finish(): Detection[] {
    const silence = new Int16Array(this.strideSamples);
    const found: Detection[] = [];
    const frames = Math.ceil(this.averageWindowMs * this.sampleRate / 1000 / this.strideSamples);
    for (let f = 0; f < frames; f++) found.push(...this.push(silence));
    return found;
  }

  /** Back to the start of a stream: the front end's state, the frame history and the recognizer. */
  reset(): void {
    this.frontEnd.reset();
    this.pendingCount = 0;
    this.framesSeen = 0;
    this.resultFront = 0;
    this.resultCount = 0;
    this.previousTop = 0;
    this.previousTopTime = -Infinity;
    const s = this.stats;
    s.frames = s.inferences = s.frontEndTime = s.modelTime = s.lastFrontEndTime = s.lastModelTime = 0;
  }

  /** The stream time in ms at the end of frame `index`. */
  private frameEndMs(index: number): number {
    return (index * this.strideSamples + this.windowSamples) * 1000 / this.sampleRate;
  }

  private frame(): Detection | null {
    const now = this.now, stats = this.stats;
    this.audio.set(this.pending);
    let t0 = now ? now() : 0;
    this.frontEnd.invoke();
    if (now) {
      const t1 = now();
      stats.lastFrontEndTime = t1 - t0;
      stats.frontEndTime += t1 - t0;
      t0 = t1;
    }
    stats.frames++;
    stats.lastModelTime = 0;
    const history = this.window;
    const size = this.featureSize;
    history.copyWithin(0, size);
    history.set(this.features, history.length - size);
    const index = this.framesSeen++;
    if (this.framesSeen < this.frames) return null; // the window still holds frames from before the stream
    this.model.invoke();
    if (now) {
      stats.lastModelTime = now() - t0;
      stats.modelTime += stats.lastModelTime;
    }
    stats.inferences++;
    return this.recognize(this.scores, this.frameEndMs(index));
  }

  /** TFLM's RecognizeCommands::ProcessLatestResults. */
  private recognize(scores: Int8Array, time: number): Detection | null {
    const labels = this.labels.length;
    // Add the latest result (dropping the oldest if the queue is full), then prune the old ones.
    if (this.resultCount === MAX_RESULTS) { this.resultFront = (this.resultFront + 1) % MAX_RESULTS; this.resultCount--; }
    const back = (this.resultFront + this.resultCount) % MAX_RESULTS;
    this.resultTimes[back] = time;
    for (let i = 0; i < labels; i++) this.resultScores[back * labels + i] = scores[i] + 128;
    this.resultCount++;
    while (this.resultCount > 0 && this.resultTimes[this.resultFront] < time - this.averageWindowMs) {
      this.resultFront = (this.resultFront + 1) % MAX_RESULTS;
      this.resultCount--;
    }
    const earliest = this.resultTimes[this.resultFront];
    if (this.resultCount < this.minimumCount || time - earliest < this.averageWindowMs / 4) return null;

    const averages = this.averages;
    averages.fill(0);
    for (let r = 0; r < this.resultCount; r++) {
      const at = ((this.resultFront + r) % MAX_RESULTS) * labels;
      for (let i = 0; i < labels; i++) averages[i] += this.resultScores[at + i];
    }
    let top = 0, topScore = 0;
    for (let i = 0; i < labels; i++) {
      averages[i] = Math.trunc(averages[i] / this.resultCount);
      if (averages[i] > topScore) { topScore = averages[i]; top = i; }
    }
    const sinceLast = this.previousTop === 0 || this.previousTopTime === -Infinity ? Infinity : time - this.previousTopTime;
    if (topScore > this.threshold && (top !== this.previousTop || sinceLast > this.suppressionMs)) {
      this.previousTop = top;
      this.previousTopTime = time;
      if (this.reported[top]) return { label: this.labels[top], score: topScore / 256, timeMs: time };
    }
    return null;
  }
}

/** "Heard yes (score 0.99, at 980 ms)". */
export function describeDetection(d: Detection): string {
  return `Heard ${d.label} (score ${d.score.toFixed(2)}, at ${Math.round(d.timeMs)} ms)`;
}
