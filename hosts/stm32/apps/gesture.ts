// The magic_wand gesture model (float32 CNN over 128 x 3 accelerometer samples) on an STM32 board,
// on TFLM's ring and slope recordings linked into flash: the scores for [wing, ring, slope, none]
// and the winner, each inference timed.
import { finished, heapReport, open, span } from './timing.js';

{
  const labels = ['wing', 'ring', 'slope', 'none'];
  const interp = open('magic_wand.tflite');
  const view = interp.inputs[0].data;
  const input = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (const gesture of ['ring', 'slope']) {
    input.set(new Uint8Array(xsmlBoard.model(`magic_wand_${gesture}_128x3_f32.bin`)));
    const start = xsmlBoard.instructions();
    interp.invoke();
    const cycles = span(start);
    const scores = Array.from(interp.outputs[0].data);
    const best = scores.indexOf(Math.max(...scores));
    print(`${gesture.padEnd(6)} ${labels[best].padEnd(6)} ${scores[best].toFixed(5)} [${scores.map((s) => s.toFixed(5)).join(' ')}]   ${finished(cycles)}`);
  }
  heapReport();
}
