// How outputs are compared with the reference: integers exactly; float32 within 1e-5 relative to
// max(|expected|, 1). The floor of 1 keeps the bound meaningful for outputs near zero, where a
// purely relative bound would demand more than float32 carries after a sum of many products.
import type { TensorData } from '../../src/index.js';

export const FLOAT_TOLERANCE = 1e-5;

/** Describes the first mismatch between actual and the expected raw bytes, or returns null. */
export function mismatch(actual: TensorData, expected: Uint8Array): string | null {
  if (actual.byteLength !== expected.byteLength) return `${actual.byteLength} bytes, expected ${expected.byteLength}`;
  const Ctor = actual.constructor as { new(b: ArrayBufferLike, o: number, n: number): TensorData };
  const copy = expected.slice();
  const want = new Ctor(copy.buffer, 0, actual.length);
  let bad = 0, first = -1;
  for (let i = 0; i < actual.length; i++) {
    const ok = Object.is(actual[i], want[i]) || (actual instanceof Float32Array
      ? Math.abs(actual[i] - want[i]) <= FLOAT_TOLERANCE * Math.max(Math.abs(want[i]), 1)
      : actual[i] === want[i]);
    if (!ok) { bad++; if (first < 0) first = i; }
  }
  return bad ? `${bad} of ${actual.length} values differ; first at [${first}]: ${actual[first]}, expected ${want[first]}` : null;
}
