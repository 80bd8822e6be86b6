// The demo (`npm run demo`): the shipped models on their real inputs, linked into the firmware's
// flash and read in place, each inference timed on the board: the sine model for x = 0..7 in the
// seed's format, person detection on person.bmp and no_person.bmp, the magic_wand gesture model on
// its ring and slope recordings. QEMU counts instructions (read to +-4, hosts/mps2/apps/measure.ts);
// microseconds are those instructions at the nominal clock, one instruction per cycle.
import type { Interpreter, TensorView } from '../../../src/index.js';
import { span } from './measure.js';

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
    const t = xsmlBoard.instructions();
    const model = xsml.loadModel(file(name), name);
    const interp = new xsml.Interpreter(model, { arena, ...(native ? { executor: xsml.nativeExecutor } : {}) });
    const prepared = span(t);
    print('');
    print(`== ${name}: ${what}`);
    print(`   ${grouped(model.bytes.byteLength)} bytes in flash, ${interp.plan.ops.length} ops, arena ${grouped(interp.plan.arenaBytes)} bytes, ` +
      `plan ${grouped(interp.plan.program.byteLength)} bytes; loaded and planned in ${grouped(prepared)} instructions (${Math.round(prepared / mhz / 1000)} ms)`);
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

  {
    const interp = open('magic_wand.tflite', 'gestures from an accelerometer (float32 CNN, 128 x 3 samples): [wing, ring, slope, none]');
    const input = bytesOf(interp.inputs[0]);
    const labels = ['wing', 'ring', 'slope', 'none'];
    for (const gesture of ['ring', 'slope']) {
      input.set(file(`magic_wand_${gesture}_128x3_f32.bin`));
      const n = invoke(interp);
      const scores = Array.from(interp.outputs[0].data);
      const k = best(scores);
      print(`${gesture.padEnd(6)} ${labels[k].padEnd(6)} ${scores[k].toFixed(5)} [${scores.map((s) => s.toFixed(5)).join(' ')}]   Finished in ${us(n)}   ${grouped(n)} instructions`);
    }
  }
  print('');
}
