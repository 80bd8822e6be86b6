// The apps of src/apps/ on Node: the streaming hotword recognizer over the four 1 s clips, the gesture
// predictor over the two accelerometer recordings, whatever size the pieces the stream arrives in,
// and their commands (xsml hotword, xsml gesture).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GesturePredictor, HotwordRecognizer, XsmlError, describeDetection, describeGesture, loadModel, type Detection, type ExactWith, type Gesture,
} from '../src/index.js';
import { parseWav, readWav } from '../hosts/node/wav.js';
import { Rng } from './support/rng.js';
import { ROOT } from './support/golden.js';

const MODELS = join(ROOT, 'models/tflm');
const TESTDATA = join(MODELS, 'testdata');
const load = (file: string) => loadModel(new Uint8Array(readFileSync(join(MODELS, file))), file);
const frontEnd = load('audio_preprocessor_int8.tflite');
const keywords = load('micro_speech_quantized.tflite');
const wand = load('magic_wand.tflite');
const tmp = mkdtempSync(join(tmpdir(), 'xsml-apps-'));

const CLIPS: [clip: string, heard: string[]][] = [['yes', ['yes']], ['no', ['no']], ['silence', []], ['noise', []]];
const RECORDINGS = ['ring', 'slope'];

/** Feeds `data` in random pieces (1 sample up to `max`), as a driver would deliver it. */
function inPieces<T>(data: { length: number; subarray(a: number, b: number): ArrayLike<number> }, rng: Rng, max: number, unit: number, push: (x: ArrayLike<number>) => T[]): T[] {
  const out: T[] = [];
  for (let at = 0; at < data.length;) {
    const n = Math.min(data.length - at, unit * rng.int(1, max));
    out.push(...push(data.subarray(at, at + n)));
    at += n;
  }
  return out;
}

const recording = (g: string) => {
  const b = readFileSync(join(TESTDATA, `magic_wand_${g}_128x3_f32.bin`));
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
};

describe('HotwordRecognizer', () => {
  for (const exactWith of ['tflm', 'tflite'] as ExactWith[]) {
    const recognizer = new HotwordRecognizer(frontEnd, keywords, { interpreter: { exactWith } });
    for (const [clip, heard] of CLIPS) {
      it(`${clip}_1000ms.wav -> ${heard.join(', ') || 'nothing'} (exact with ${exactWith})`, () => {
        recognizer.reset();
        const samples = readWav(join(TESTDATA, `${clip}_1000ms.wav`)).samples;
        const found = [...recognizer.push(samples), ...recognizer.finish()];
        expect(found.map((d) => d.label)).toEqual(heard);
        for (const d of found) {
          expect(d.score).toBeGreaterThan(0.9);
          // Decided once a quarter of the averaging window of results exists: 250 ms after the first full window.
          expect(d.timeMs).toBe(1250);
        }
        // 49 frames of the clip, 50 of the second of silence; one inference per frame from the 49th.
        expect(recognizer.stats.frames).toBe(99);
        expect(recognizer.stats.inferences).toBe(51);
      });
    }
  }

  it('gives the same detections whatever pieces the audio arrives in', () => {
    const recognizer = new HotwordRecognizer(frontEnd, keywords);
    const rng = new Rng(5);
    for (const [clip, heard] of CLIPS) {
      recognizer.reset();
      const samples = readWav(join(TESTDATA, `${clip}_1000ms.wav`)).samples;
      const found = [...inPieces<Detection>(samples, rng, 700, 1, (x) => recognizer.push(x)), ...recognizer.finish()];
      expect(found.map((d) => d.label)).toEqual(heard);
    }
  });

  it('hears the word again in a longer stream, after the suppression period, and prints as TFLM\'s example', () => {
    const recognizer = new HotwordRecognizer(frontEnd, keywords);
    const yes = readWav(join(TESTDATA, 'yes_1000ms.wav')).samples;
    const no = readWav(join(TESTDATA, 'no_1000ms.wav')).samples;
    const silence = new Int16Array(16000);
    const found = [yes, silence, no, silence, yes, silence].flatMap((s) => recognizer.push(s));
    expect(found.map((d) => d.label)).toEqual(['yes', 'no', 'yes']);
    expect(found.map(describeDetection)[0]).toMatch(/^Heard yes \(score 1\.00, at \d+ ms\)$/);
  });

  it('shares one arena between its models, whatever it held before', () => {
    const fresh = new HotwordRecognizer(frontEnd, keywords);
    const need = Math.ceil(fresh.frontEnd.plan.arenaBytes / 16) * 16 + fresh.model.plan.arenaBytes;
    const arena = new Uint8Array(need).fill(0xa5);
    const shared = new HotwordRecognizer(frontEnd, keywords, { interpreter: { arena } });
    expect(shared.model.arena.byteOffset).toBe(need - fresh.model.plan.arenaBytes);
    const samples = readWav(join(TESTDATA, 'yes_1000ms.wav')).samples;
    expect([...shared.push(samples), ...shared.finish()]).toEqual([...fresh.push(samples), ...fresh.finish()]);
    expect(() => new HotwordRecognizer(frontEnd, keywords, { interpreter: { arena: arena.subarray(0, need - 16) } }))
      .toThrow(new RegExp(`an arena of ${need - 16} bytes is too small: .* need ${need} bytes`));
  });

  it('rejects models that do not fit together', () => {
    expect(() => new HotwordRecognizer(keywords, keywords)).toThrow(XsmlError);
    expect(() => new HotwordRecognizer(frontEnd, keywords, { labels: ['a', 'b'] })).toThrow(/2 labels for 4 scores/);
  });
});

describe('GesturePredictor', () => {
  for (const g of RECORDINGS) {
    it(`magic_wand_${g}_128x3_f32.bin -> ${g}`, () => {
      const predictor = new GesturePredictor(wand);
      const found = predictor.push(recording(g));
      expect(found.map((x) => x.label)).toEqual([g]);
      expect(found[0].score).toBeGreaterThan(0.8);
      expect(predictor.stats.samples).toBe(128);
      expect(describeGesture(found[0])).toMatch(new RegExp(`^Gesture ${g} \\(score 0\\.\\d\\d, at \\d+ ms\\)$`));
    });
  }

  it('gives the same gestures whatever pieces the samples arrive in, and suppresses after one', () => {
    const predictor = new GesturePredictor(wand);
    const rng = new Rng(9);
    for (const g of RECORDINGS) {
      predictor.reset();
      const whole = predictor.push(recording(g));
      predictor.reset();
      const pieces = inPieces<Gesture>(recording(g), rng, 20, 3, (x) => predictor.push(x));
      expect(pieces).toEqual(whole);
    }
    // After a detection the model does not run for the suppression period (25 samples: 1 s).
    predictor.reset();
    const found = predictor.push(recording('slope'));
    const after = 128 - Math.round(found[0].timeMs * 25 / 1000); // samples of the recording after the detection
    const inferences = predictor.stats.inferences;
    predictor.push(new Float32Array(3 * (25 - after)));
    expect(predictor.stats.inferences).toBe(inferences);
    predictor.push(new Float32Array(3));
    expect(predictor.stats.inferences).toBe(inferences + 1);
  });

  it('starts from a window of zeros, whatever the arena held before', () => {
    const fresh = new GesturePredictor(wand);
    const arena = new Uint8Array(fresh.model.plan.arenaBytes).fill(0x7f);
    expect(new GesturePredictor(wand, { interpreter: { arena } }).push(recording('ring'))).toEqual(fresh.push(recording('ring')));
  });

  it('needs whole (x, y, z) samples', () => {
    expect(() => new GesturePredictor(wand).push([1, 2])).toThrow(/2 values are not whole/);
  });
});

describe('WAV files', () => {
  it('reads 16-bit PCM and refuses other formats', () => {
    const wav = readWav(join(TESTDATA, 'yes_1000ms.wav'));
    expect([wav.sampleRate, wav.channels, wav.samples.length]).toEqual([16000, 1, 16000]);
    const bytes = new Uint8Array(readFileSync(join(TESTDATA, 'yes_30ms.wav')));
    const eightBit = bytes.slice();
    new DataView(eightBit.buffer).setUint16(34, 8, true); // bits per sample
    expect(() => parseWav(eightBit, 'x.wav')).toThrow(/8-bit samples, expected 16-bit/);
    expect(() => parseWav(bytes.slice(0, 10), 'y.wav')).toThrow(/not a RIFF\/WAVE file/);
  });
});

describe('the commands', () => {
  const xsml = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/xsml.js'), ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('xsml hotword FILE.wav prints what it heard', () => {
    for (const [clip, heard] of CLIPS) {
      const r = xsml('hotword', join(TESTDATA, `${clip}_1000ms.wav`), '--host', 'node');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      if (heard.length) expect(lines[0]).toBe(`Heard ${heard[0]} (score ${clip === 'yes' ? '1.00' : '0.97'}, at 1250 ms)`);
      else expect(lines[0]).toBe('Heard nothing');
      expect(lines[1]).toMatch(/99 frames, 51 inferences; front end [\d.]+ ms per frame, keyword model [\d.]+ ms per inference \(host node\)$/);
    }
    const json = JSON.parse(xsml('hotword', join(TESTDATA, 'no_1000ms.wav'), '--json').stdout);
    expect(json.detections).toEqual([{ label: 'no', score: 248 / 256, timeMs: 1250 }]);
  });

  it('xsml gesture FILE prints the gestures, from raw float32, CSV or JSON', () => {
    for (const g of RECORDINGS) {
      const r = xsml('gesture', join(TESTDATA, `magic_wand_${g}_128x3_f32.bin`));
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Gesture ${g} \\(score`));
    }
    const values = Array.from(recording('ring'));
    const csv = join(tmp, 'ring.csv'), json = join(tmp, 'ring.json');
    writeFileSync(csv, Array.from({ length: 128 }, (_, i) => values.slice(3 * i, 3 * i + 3).join(',')).join('\n'));
    writeFileSync(json, JSON.stringify(values));
    for (const f of [csv, json]) expect(xsml('gesture', f).stdout).toMatch(/^Gesture ring /);
  });

  it('fail in one line', () => {
    for (const r of [xsml('hotword'), xsml('hotword', join(TESTDATA, 'yes_1000ms.wav'), '--host', 'nowhere'), xsml('gesture', join(tmp, 'missing.bin'))]) {
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(/^xsml: error: /);
    }
  });
});
