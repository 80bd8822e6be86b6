// The sine model (TFLM's hello_world, float32, hello_world_no_quant_2788.tflite) on the board:
// zero-copy from flash, the static arena, one inference per x = 0..7, each printed in the seed's
// format with its time: `Finished in <us>us <instructions> instructions   <x> <y>`. Microseconds
// are instructions at the nominal clock (QEMU counts instructions, not cycles). Then the mean of
// N back-to-back inferences. (The demo, apps/demo.ts, runs this model and two more.)
import { invokeInstructions, span } from './measure.js';

{
  const MODEL = 'hello_world_no_quant_2788.tflite';
  const RUNS = 64;
  const mhz = xsmlBoard.nominalHz / 1e6;
  const native = typeof xsmlNative !== 'undefined';

  const t0 = xsmlBoard.instructions();
  const model = xsml.loadModel(new Uint8Array(xsmlBoard.model(MODEL)), MODEL);
  const interp = new xsml.Interpreter(model, {
    arena: new Uint8Array(xsmlBoard.arena()),
    ...(native ? { executor: xsml.nativeExecutor } : {}),
  });
  const prepared = span(t0);
  const input = interp.inputs[0].data as Float32Array;
  const output = interp.outputs[0].data as Float32Array;
  print(`${MODEL}: ${model.bytes.byteLength} bytes in flash, arena ${interp.plan.arenaBytes} of ${xsmlBoard.arenaBytes} bytes, ` +
    `executor ${interp.executor.name}; loaded and planned in ${prepared} instructions`);

  xsmlBoard.collect();
  const live = xsmlBoard.heapStats();
  print(`XS heap in use after a collection: chunks ${live.chunksBytes} bytes, slots ${live.slots} x ${live.slotBytes} bytes; malloc high-water ${live.mallocBytes} of ${live.heapBudget} bytes`);

  for (let x = 0; x < 8; x++) {
    input[0] = x;
    const start = xsmlBoard.instructions();
    interp.invoke();
    const spent = span(start);
    print(`Finished in ${Math.round(spent / mhz)}us ${spent} instructions   ${x.toFixed(5)} ${output[0].toFixed(5)}`);
  }

  const setInput = () => { input[0] = 3; };
  const executor = interp.executor as Partial<import('../runtime.js').NativeExecutor>;
  const kernelStart = executor.kernelNanoseconds ? executor.kernelNanoseconds() : 0;
  const heapProbe = xsmlBoard.heapStats(); // what one heapStats() result costs, to subtract
  const heapBefore = xsmlBoard.heapStats();
  const probeSlots = heapBefore.slots - heapProbe.slots;
  const probeChunks = heapBefore.chunksBytes - heapProbe.chunksBytes;
  const mean = invokeInstructions(interp, RUNS, setInput);
  const heapAfter = xsmlBoard.heapStats();
  print(`mean of ${RUNS} inferences: ${mean.toFixed(0)} instructions, ${(mean / mhz).toFixed(1)}us at ${mhz} MHz (executor ${interp.executor.name})`);
  if (executor.kernelNanoseconds) {
    // The glue times xsml_plan_run with clock_gettime, which counts virtual nanoseconds: instructions.
    const kernels = (executor.kernelNanoseconds() - kernelStart) / RUNS;
    print(`  of which inside xsml_plan_run (the C executor and kernels): ${kernels.toFixed(0)} instructions; JS, the call and the glue: ${(mean - kernels).toFixed(0)}`);
  }
  print(`XS heap allocated by the ${RUNS} inferences: chunks ${heapAfter.chunksBytes - heapBefore.chunksBytes - probeChunks} bytes, slots ${heapAfter.slots - heapBefore.slots - probeSlots} ` +
    `(peaks ${heapAfter.peakChunksBytes} bytes, ${heapAfter.peakSlots} slots)`);
}
