// The globals the XS desktop host (hosts/xs/main.c) defines before it runs a bundle, and the native
// executor's host functions (native/xs/xsml_xs.c). There is no @moddable/xs-types package: these
// few declarations are ours.

/** Prints the values joined by spaces, and a newline, on stdout. */
declare function print(...values: unknown[]): void;
/** Writes the text on stdout, with no newline. */
declare function writeStdout(text: string): void;
/** Writes the text on stderr, with no newline (stdout is flushed first). */
declare function writeStderr(text: string): void;
/** The whole file, as a new ArrayBuffer in the XS heap. Throws if it cannot be read. */
declare function readFile(path: string): ArrayBuffer;
/** Writes the bytes to the file (created or truncated). */
declare function writeFile(path: string, bytes: ArrayBuffer | Uint8Array): void;
/** Ends the process with this status, stdout flushed. */
declare function exit(code?: number): never;
/** The command-line arguments after the bundle's path. */
declare const scriptArgs: string[];

interface StringConstructor {
  /** XS: the UTF-8 bytes of the buffer as a string. */
  fromArrayBuffer(buffer: ArrayBuffer): string;
}

/** A plan checked and copied by the C side; its memory is freed when the handle is collected. */
interface XsmlNativePlan {
  readonly __xsmlNativePlan: never;
}

/** Memory outside the XS heap (never moved by the GC); `new Uint8Array(buffer)` views it. */
interface XsmlHostBuffer {
  readonly __xsmlHostBuffer: never;
}

/** A pool as the C side reads it: a Uint8Array over an ArrayBuffer or a host buffer. */
type XsmlNativePool = Uint8Array;

declare const xsmlNative: {
  /**
   * Copies the records and `words`, checks every record against refBytes and the pools' byte lengths
   * (xsml_plan_check); throws an Error naming the op and what is wrong. rounding: 0 single, 1 double.
   */
  prepare(program: Int32Array, refBytes: Int32Array, arena: XsmlNativePool, model: XsmlNativePool, rounding: 0 | 1, words: Int32Array): XsmlNativePlan;
  /**
   * Runs ops [from, to) in one call into C: over the pools prepare took if they are pinned, else over
   * the arena and model given.
   */
  run(plan: XsmlNativePlan, from: number, to: number, arena?: XsmlNativePool, model?: XsmlNativePool): void;
  /** A function that runs every op of a pinned plan: interp.invoke itself, no arguments. */
  runner(plan: XsmlNativePlan): () => void;
  /** Whether prepare's pools never move (host buffers): then runs take none, and runner works. */
  pinned(plan: XsmlNativePlan): boolean;
  /** Word i of prepare's words. */
  word(plan: XsmlNativePlan, i: number): number;
  /** Nanoseconds spent inside the C kernels (xsml_plan_run) by every plan since the first call, which returns 0 and starts the timing. */
  runNanoseconds(): number;
  /** A monotonic clock, in microseconds. */
  now(): number;
  /** byteLength zeroed bytes outside the XS heap. */
  hostBuffer(byteLength: number): XsmlHostBuffer;
  /**
   * The XS heap in use now (chunks in bytes, slots in count) and its peaks; on a board, also its plan
   * pool (the C memory of the checked plans): bytes in use, their peak, and its size.
   */
  heapStats(): {
    chunksBytes: number; slots: number; peakChunksBytes: number; peakSlots: number; slotBytes: number;
    planPoolBytes?: number; peakPlanPoolBytes?: number; planPoolSize?: number;
  };
  /** The same four numbers written into out[0..3], allocating nothing: for allocation tests. */
  heapStats(out: Float64Array): void;
  /** A full garbage collection (so that a measurement starts with no garbage in the heap). */
  collect(): void;
};

interface Uint8ArrayConstructor {
  new (buffer: XsmlHostBuffer): Uint8Array;
}
