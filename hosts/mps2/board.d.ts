// The globals of the MPS2 firmware (hosts/mps2/main.c), beside print/exit and, when the firmware
// is built with NATIVE=1, xsmlNative (declared in hosts/xs/xs-host.d.ts).

/** Memory the GC never moves (the static arena, a model in flash); `new Uint8Array(buffer)` views it. */
interface XsmlBoardBuffer {
  readonly __xsmlBoardBuffer: never;
}

declare const xsmlBoard: {
  /** "mps2-an386" or "mps2-an500". */
  readonly name: string;
  /** "cortex-m4f" or "cortex-m7". */
  readonly cpu: string;
  /** The clock microseconds are computed for (216 MHz): us = instructions / (nominalHz / 1e6). */
  readonly nominalHz: number;
  /** The MPS2 FPGAIO 25 MHz counter since reset. */
  ticks(): number;
  /** Guest instructions since reset (QEMU -icount shift=0: 40 per tick; a multiple of 40). */
  instructions(): number;
  /** The static arena (section .xsml_arena). */
  arena(): XsmlBoardBuffer;
  readonly arenaBytes: number;
  /** A model linked into flash, by file name; throws if there is none. */
  model(name: string): XsmlBoardBuffer;
  models(): string[];
  /** The XS heap now, its peaks, malloc's high-water mark and the heap budget. */
  heapStats(): { chunksBytes: number; peakChunksBytes: number; slots: number; peakSlots: number; slotBytes: number; mallocBytes: number; heapBudget: number };
  /** A full garbage collection. */
  collect(): void;
  /** Instructions from reset to the first script. */
  readonly bootInstructions: number;
};

interface Uint8ArrayConstructor {
  new (buffer: XsmlBoardBuffer): Uint8Array;
}
