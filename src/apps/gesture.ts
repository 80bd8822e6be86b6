// A streaming gesture recognizer on the public API: accelerometer samples (x, y, z at 25 Hz) in,
// gestures out. The model (TFLM's magic_wand.tflite) sees the last 128 samples (zeros before the
// stream starts, as the example's accelerometer buffer) and runs after every `stride` new samples.
// The predictor is TFLM magic_wand's PredictGesture: a class counts when its probability is above
// `threshold` (0.8); it is reported once it has counted in `consecutive` inferences in a row, after
// which nothing is predicted for `suppressionSamples` samples (the example's suppression period).
// The last class ("none") is never reported. Allocates nothing per sample (a detection allocates its record).

import { XsmlError } from '../errors.js';
import { Interpreter, type InterpreterOptions } from '../interpreter.js';
import type { Model } from '../model/model.js';

export const MAGIC_WAND_LABELS = ['wing', 'ring', 'slope', 'none'];

export interface GestureOptions {
  /** The model's classes in output order, the last one meaning "no gesture" (default: magic_wand's). */
  labels?: string[];
  sampleRate?: number; // 25 Hz
  stride?: number; // run the model after every `stride` samples: 1
  threshold?: number; // 0.8
  consecutive?: number; // 3 inferences in a row
  suppressionSamples?: number; // 25: one second
  interpreter?: InterpreterOptions;
  /** A clock (any unit: ms, instructions, ...): when given, the time spent in the model is measured in `stats`. */
  now?: () => number;
}

export interface Gesture {
  label: string;
  score: number; // the class's probability in the inference that decided
  timeMs: number; // stream time of the sample that completed the deciding window
}

/** Times are in the units of options.now (0 without it). */
export interface GestureStats {
  samples: number;
  inferences: number;
  modelTime: number; // total time in the model
  lastModelTime: number; // of the latest inference
}

export class GesturePredictor {
  readonly model: Interpreter;
  readonly labels: string[];
  readonly windowSamples: number;
  readonly channels: number;
  readonly stats: GestureStats = { samples: 0, inferences: 0, modelTime: 0, lastModelTime: 0 };

  private readonly sampleRate: number;
  private readonly stride: number;
  private readonly threshold: number;
  private readonly consecutive: number;
  private readonly suppressionSamples: number;
  private readonly now: (() => number) | undefined;
  // The model's input and output, kept: an interpreter makes its views anew each time they are read.
  private readonly window: Float32Array;
  private readonly probabilities: Float32Array;

  private sinceInference = 0;
  private suppressed = 0; // samples left in the suppression period
  private last = -1; // TFLM's last_predict (-1: none yet)
  private count = 0; // TFLM's continuous_count

  constructor(model: Model, options: GestureOptions = {}) {
    const fail = (message: string): never => { throw new XsmlError(`gesture: ${message}`, 'BAD_ARGUMENT'); };
    this.model = new Interpreter(model, { ...options.interpreter, preserveInputs: true }); // the input holds the window
    const input = this.model.inputs[0], output = this.model.outputs[0];
    if (this.model.inputs.length !== 1 || input.dtype !== 'float32') fail(`the model ${model.name} must take one float32 input`);
    if (output.dtype !== 'float32') fail(`the model ${model.name} must give float32 probabilities, it gives ${output.dtype}`);
    this.window = input.data as Float32Array;
    this.probabilities = output.data as Float32Array;
    this.windowSamples = input.shape[1] ?? 0;
    this.channels = this.windowSamples ? input.data.length / this.windowSamples : 0;
    if (input.shape.length < 3 || this.channels !== 3) fail(`the model's input [${input.shape}] is not [1, samples, 3, ...] (x, y, z)`);
    this.labels = options.labels ?? MAGIC_WAND_LABELS;
    if (this.labels.length !== output.data.length) fail(`${this.labels.length} labels for ${output.data.length} outputs`);
    this.sampleRate = options.sampleRate ?? 25;
    this.stride = options.stride ?? 1;
    this.threshold = options.threshold ?? 0.8;
    this.consecutive = options.consecutive ?? 3;
    this.suppressionSamples = options.suppressionSamples ?? 25;
    this.now = options.now;
    if (!(this.stride >= 1 && this.consecutive >= 1)) fail('stride and consecutive must be 1 or more');
    this.reset(); // the window starts as zeros, whatever the arena held before
  }

  /** Feeds samples, x, y, z interleaved; returns the gestures recognized while processing them. */
  push(xyz: ArrayLike<number>): Gesture[] {
    const found: Gesture[] = [];
    const window = this.window;
    const c = this.channels;
    if (xyz.length % c !== 0) throw new XsmlError(`gesture: ${xyz.length} values are not whole (x, y, z) samples`, 'BAD_INPUT');
    for (let i = 0; i < xyz.length; i += c) {
      window.copyWithin(0, c);
      for (let k = 0; k < c; k++) window[window.length - c + k] = xyz[i + k];
      const index = this.stats.samples++;
      if (this.suppressed > 0) { this.suppressed--; continue; }
      if (++this.sinceInference < this.stride) continue;
      this.sinceInference = 0;
      const g = this.infer((index + 1) * 1000 / this.sampleRate);
      if (g) found.push(g);
    }
    return found;
  }

  reset(): void {
    this.window.fill(0);
    this.sinceInference = this.suppressed = this.count = 0;
    this.last = -1;
    this.stats.samples = this.stats.inferences = this.stats.modelTime = this.stats.lastModelTime = 0;
  }

  private infer(time: number): Gesture | null {
    const t0 = this.now ? this.now() : 0;
    this.model.invoke();
    if (this.now) {
      this.stats.lastModelTime = this.now() - t0;
      this.stats.modelTime += this.stats.lastModelTime;
    }
    this.stats.inferences++;
    const p = this.probabilities;
    const none = this.labels.length - 1;
    // TFLM's PredictGesture.
    let current = -1;
    for (let i = 0; i < none; i++) if (p[i] > this.threshold) current = i;
    if (current < 0) {
      this.count = 0;
      this.last = none;
      return null;
    }
    this.count = this.last === current ? this.count + 1 : 0;
    this.last = current;
    if (this.count < this.consecutive - 1) return null;
    this.count = 0;
    this.last = -1;
    this.suppressed = this.suppressionSamples;
    return { label: this.labels[current], score: p[current], timeMs: time };
  }
}

/** "Gesture ring (score 0.96, at 5040 ms)". */
export function describeGesture(g: Gesture): string {
  return `Gesture ${g.label} (score ${g.score.toFixed(2)}, at ${Math.round(g.timeMs)} ms)`;
}
