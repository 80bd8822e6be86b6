// The sine model (TFLM's hello_world, float32, hello_world_no_quant_2788.tflite) on an STM32
// board: read in place from flash, planned into the static arena, one inference per x = 0..7 on
// the C kernels, each printed as the original experiment did, `Finished in <us>us <cycles> cycles`,
// then x and the model's y.
import { finished, heapReport, open, span } from './timing.js';

{
  const interp = open('hello_world_no_quant_2788.tflite');
  const input = interp.inputs[0].data as Float32Array;
  const output = interp.outputs[0].data as Float32Array;
  for (let x = 0; x < 8; x++) {
    input[0] = x;
    const start = xsmlBoard.instructions();
    interp.invoke();
    const cycles = span(start);
    print(`${finished(cycles)}   ${x.toFixed(5)} ${output[0].toFixed(5)}`);
  }
  heapReport();
}
