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
  /**
   * Guest instructions since reset (QEMU -icount shift=0) when this returns, exact to a few: it
   * reads the counter (40 instructions per tick) in a loop until it ticks, up to 44 instructions.
   */
  instructions(): number;
  /** Instructions from `start` (an instructions() value) to this call, exact to a few (the same loop). */
  elapsed(start: number): number;
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
  /** The text on the console, with no newline (for long output, in pieces). */
  write(text: string): void;
  /** The job QEMU's -device loader placed in the LOAD region (the runner app), or null if there is none. */
  job(): XsmlBoardJob | null;
  /** The LOAD region: its address and size (the board's linker script). */
  readonly loadAddress: number;
  readonly loadBytes: number;
};

/** One model run of a job (hosts/mps2/main.c describes the format; hosts/node/board-host.ts writes it). */
interface XsmlBoardRun {
  /** The model's file name, for messages. */
  readonly name: string;
  /** The model's bytes in the LOAD region (read in place). */
  readonly model: XsmlBoardBuffer;
  /** Where the model is in the job: runs with the same offset share the model's bytes. */
  readonly modelOffset: number;
  /** Raw little-endian bytes of each input, in the model's input order; none: zeros. */
  readonly inputs: XsmlBoardBuffer[];
  readonly repeat: number;
  /** The arena bytes to use, or -1 for the whole static arena. */
  readonly arenaBytes: number;
  readonly profile: boolean;
  readonly exactWith: 'tflite' | 'tflm';
}

/** A recording for an app (hosts/mps2/apps/stream.ts), with the app's models. */
interface XsmlBoardRecording {
  readonly app: 'hotword' | 'gesture';
  /** The recording's file name, for messages. */
  readonly name: string;
  /** hotword: 16 kHz int16 samples; gesture: float32 x, y, z samples at 25 Hz (little-endian). */
  readonly data: XsmlBoardBuffer;
  /** hotword: the front end and the keyword model; gesture: the gesture model. */
  readonly models: XsmlBoardBuffer[];
  readonly exactWith: 'tflite' | 'tflm';
}

/** A job holds model runs or recordings (one of the two lists is empty). */
interface XsmlBoardJob {
  readonly runs: XsmlBoardRun[];
  readonly recordings: XsmlBoardRecording[];
}

interface Uint8ArrayConstructor {
  new (buffer: XsmlBoardBuffer): Uint8Array;
}
