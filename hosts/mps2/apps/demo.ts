// The demo (`npm run demo`): the shipped models on their real inputs, linked into the firmware's
// flash and read in place, each inference timed on the board: the sine model for x = 0..7 in the
// seed's format, person detection on person.bmp and no_person.bmp, then the two apps streaming their
// recordings (hosts/mps2/apps/stream.ts): hotword on the four micro_speech clips, gesture on the
// magic_wand ring and slope recordings. QEMU counts instructions (read to +-4, hosts/mps2/apps/measure.ts);
// microseconds are those instructions at the nominal clock, one instruction per cycle.
import type { Interpreter, TensorView } from '../../../src/index.js';
import { planPoolBytes, span } from './measure.js';
import { stream, type StreamReport } from './stream.js';

/** The 16 kHz mono int16 samples of a WAV file (its "data" chunk, read in place). */
function wavSamples(name: string, wav: Uint8Array): Uint8Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const tag = (at: number) => String.fromCharCode(wav[at], wav[at + 1], wav[at + 2], wav[at + 3]);
  if (wav.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${name}: not a WAV file`);
  let format = false;
  for (let at = 12; at + 8 <= wav.byteLength;) {
    const id = tag(at), bytes = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      format = view.getUint16(at + 8, true) === 1 && view.getUint16(at + 10, true) === 1 && view.getUint32(at + 12, true) === 16000 && view.getUint16(at + 22, true) === 16;
      if (!format) throw new Error(`${name}: not 16 kHz mono 16-bit PCM`);
    } else if (id === 'data') {
      if (!format) throw new Error(`${name}: no format before the samples`);
      const n = Math.min(bytes, wav.byteLength - at - 8) & ~1;
      return wav.subarray(at + 8, at + 8 + n);
    }
    at += 8 + bytes + (bytes & 1);
  }
  throw new Error(`${name}: no samples`);
}

{
  const native = typeof xsmlNative !== 'undefined';
  const mhz = xsmlBoard.nominalHz / 1e6;
  const arena = new Uint8Array(xsmlBoard.arena());
  const us = (instructions: number) => `${Math.round(instructions / mhz)}us`;
  const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const bytesOf = (v: TensorView) => new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  const file = (name: string) => new Uint8Array(xsmlBoard.model(name));

  /** Loads a model from flash and plans it into the static arena; prints what it took. */
  const open = (name: string, what: string): Interpreter => {
    xsmlBoard.collect(); // the previous model's interpreter goes first (its plan too)
    const pool = planPoolBytes();
    const t = xsmlBoard.instructions();
    const model = xsml.loadModel(file(name), name);
    const interp = new xsml.Interpreter(model, { arena, ...(native ? { executor: xsml.nativeExecutor } : {}) });
    const prepared = span(t);
    print('');
    print(`== ${name}: ${what}`);
    print(`   ${grouped(model.bytes.byteLength)} bytes in flash, arena ${grouped(interp.plan.arenaBytes)} bytes, ` +
      `plan ${grouped(planPoolBytes() - pool)} bytes; loaded and planned in ${grouped(prepared)} instructions (${Math.round(prepared / mhz / 1000)} ms)`);
    return interp;
  };

  /** One inference, timed. */
  const invoke = (interp: Interpreter): number => {
    const t = xsmlBoard.instructions();
    interp.invoke();
    return span(t);
  };

  const dequantized = (v: TensorView) => Array.from(v.data, (q) => (v.quant ? (q - v.quant.zeroPoint) * v.quant.scale : q));
  const best = (scores: number[]) => scores.indexOf(Math.max(...scores));

  print(`xsml demo on ${xsmlBoard.name} (${xsmlBoard.cpu}), executor ${native ? 'native (C kernels)' : 'typescript'}: ` +
    `instructions counted by QEMU (-icount), microseconds at a nominal ${mhz} MHz`);

  {
    const interp = open('hello_world_no_quant_2788.tflite', 'the sine model (float32, 3 FULLY_CONNECTED): x, sin(x) approximated');
    const x = interp.inputs[0].data as Float32Array;
    const y = interp.outputs[0].data as Float32Array;
    for (let i = 0; i < 8; i++) {
      x[0] = i;
      const n = invoke(interp);
      print(`Finished in ${us(n)}   ${i.toFixed(5)} ${y[0].toFixed(5)}   ${grouped(n)} instructions`);
    }
  }

  {
    const interp = open('person_detect.tflite', 'person detection (int8 MobileNet v1 0.25, 96x96 grayscale): [no person, person]');
    const input = bytesOf(interp.inputs[0]);
    const labels = ['no person', 'person'];
    for (const image of ['person.bmp', 'no_person.bmp']) {
      // An 8-bit grayscale BMP: rows bottom-up from the offset in its header; the pixels go
      // unchanged into the int8 tensor, top row first, as TFLM's example feeds them.
      const bmp = file(image);
      const header = new DataView(bmp.buffer, bmp.byteOffset, bmp.byteLength);
      const pixels = header.getUint32(10, true), width = header.getInt32(18, true), height = header.getInt32(22, true);
      const stride = Math.ceil(width / 4) * 4;
      if (header.getUint16(28, true) !== 8 || width * Math.abs(height) !== input.byteLength) throw new Error(`${image}: not a ${input.byteLength}-pixel 8-bit BMP`);
      for (let row = 0; row < Math.abs(height); row++) {
        const from = pixels + (height > 0 ? height - 1 - row : row) * stride;
        input.set(bmp.subarray(from, from + width), row * width);
      }
      const n = invoke(interp);
      const scores = dequantized(interp.outputs[0]);
      const k = best(scores);
      const result = `${image.padEnd(14)} ${labels[k].padEnd(9)} ${scores[k].toFixed(5)} (${labels[1 - k]} ${scores[1 - k].toFixed(5)})`;
      print(`${result.padEnd(54)} Finished in ${us(n)}   ${grouped(n)} instructions`);
    }
  }

  // The apps (src/apps/), each recording streamed from flash as its driver would deliver it.
  const models = (...names: string[]) => names.map((name) => ({ name, bytes: file(name) }));
  const report = (r: StreamReport, step: string) => {
    if (r.found.length === 0) print(`${r.recording}: nothing`);
    print(`   ${r.recording}: ${r.steps} ${step}s, ${r.inferences} inferences; ` +
      (r.frontEndInstructions ? `front end ${grouped(r.frontEndInstructions)} + ` : '') +
      `model ${grouped(r.modelInstructions)} instructions; the longest ${step} ${grouped(r.maxStepInstructions)} ` +
      `(${(100 * r.maxStepInstructions / r.budgetInstructions).toFixed(1)}% of its real-time budget)`);
  };

  xsmlBoard.collect();
  print('');
  print('== hotword: 16 kHz audio, 20 ms at a time -> audio_preprocessor_int8.tflite (TFLM Signal ops) -> micro_speech_quantized.tflite');
  for (const clip of ['yes', 'no', 'silence', 'noise']) {
    const name = `${clip}_1000ms.wav`;
    const r = stream({ app: 'hotword', name, data: wavSamples(name, file(name)), models: models('audio_preprocessor_int8.tflite', 'micro_speech_quantized.tflite'), exactWith: 'tflm' }, arena, true);
    report(r, 'frame');
    if (clip === 'noise') print(`   RAM: arena ${grouped(r.memory.arenaBytes)} bytes, plans ${grouped(r.memory.planBytes)} bytes, XS heap ${grouped(r.memory.heapBytes)} bytes`);
  }

  print('');
  print('== gesture: accelerometer x, y, z at 25 Hz, one sample at a time -> magic_wand.tflite (float32 CNN over 128 samples)');
  for (const gesture of ['ring', 'slope']) {
    const name = `magic_wand_${gesture}_128x3_f32.bin`;
    const r = stream({ app: 'gesture', name, data: file(name), models: models('magic_wand.tflite'), exactWith: 'tflm' }, arena, true);
    report(r, 'sample');
    if (gesture === 'slope') print(`   RAM: arena ${grouped(r.memory.arenaBytes)} bytes, plan ${grouped(r.memory.planBytes)} bytes, XS heap ${grouped(r.memory.heapBytes)} bytes`);
  }
  print('');
}
