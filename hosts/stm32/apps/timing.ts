// Cycle counts on the STM32 boards: xsmlBoard.instructions() and elapsed(start) read the core's
// cycle counter (DWT CYCCNT; hosts/stm32/board/stm32.c), and span() (hosts/mps2/apps/measure.ts,
// shared with the MPS2 boards) takes off what an empty measurement counts. Microseconds are cycles
// at the core clock (xsmlBoard.nominalHz).
import { planPoolBytes, span } from '../../mps2/apps/measure.js';

export { span };

export const mhz = xsmlBoard.nominalHz / 1e6;

/** `Finished in <us>us <cycles> cycles`, as the original experiment printed each inference. */
export const finished = (cycles: number) => `Finished in ${Math.round(cycles / mhz)}us ${cycles} cycles`;

/**
 * Loads a model linked into flash and plans it into the static arena on the native executor (the
 * apps open one model: the plan pool holds its plan alone).
 */
export function open(name: string) {
  const t = xsmlBoard.instructions();
  const model = xsml.loadModel(new Uint8Array(xsmlBoard.model(name)), name);
  const interp = new xsml.Interpreter(model, { arena: new Uint8Array(xsmlBoard.arena()), executor: xsml.nativeExecutor });
  const prepared = span(t);
  print(`${name}: ${model.bytes.byteLength} bytes in flash, arena ${interp.plan.arenaBytes} of ${xsmlBoard.arenaBytes} bytes, ` +
    `plan ${planPoolBytes()} bytes; loaded and planned in ${prepared} cycles (${Math.round(prepared / mhz / 1000)} ms)`);
  return interp;
}

/** The XS heap after a collection, and its peaks so far. */
export function heapReport(): void {
  xsmlBoard.collect();
  const h = xsmlBoard.heapStats();
  print(`XS heap in use after a collection: chunks ${h.chunksBytes} bytes, slots ${h.slots} x ${h.slotBytes} bytes ` +
    `(peaks ${h.peakChunksBytes} bytes, ${h.peakSlots} slots); malloc high-water ${h.mallocBytes} of ${h.heapBudget} bytes`);
}
