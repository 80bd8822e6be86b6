// SOFTMAX, QUANTIZE and DEQUANTIZE features that TFLite's reference kernels have and TFLM does not
// (uint8 softmax, float -> uint8 and uint8 -> uint8 quantization, per-channel quantization and
// dequantization, float16 dequantization): golden-tested against TFLite only. TFLM rejects all of
// these but per-channel DEQUANTIZE, which it runs with the first channel's scale and zero point for
// every channel.
import { bytesOf, type ModelSpec } from '../support/builder.js';
import type { Rng } from '../support/rng.js';
import { F32, I8, activation, prod, type OpCase } from './common.js';
import { softmaxSpec } from './softmax.js';
import { floatsToQuantize, quantizeSpec } from './quantize.js';
import { dequantizeSpec } from './dequantize.js';

const U8 = 3, I16 = 7, F16 = 1;

/** Float16 bits of a float32 value, rounded to nearest even (inputs here are exact or in range). */
function halfBits(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0];
  const sign = (b >>> 16) & 0x8000;
  const e = ((b >>> 23) & 0xff) - 127 + 15;
  const m = b & 0x7fffff;
  if (((b >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = m | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rest = full & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}

export function quantizationLitertOnlyCases(rng: Rng): OpCase[] {
  const cases: OpCase[] = [];
  // uint8 softmax: output zero point 0 (uint8) or -32768 (int16).
  for (let i = 0; i < 8; i++) {
    const n = rng.int(1, 120);
    const shape = rng.pick([[1, n], [2, 2, n]]);
    const int16Out = i % 4 === 3;
    const scale = Math.fround(10 ** rng.float(-3, 1));
    const beta = Math.fround(rng.float(0.5, 2));
    cases.push({
      name: `softmax u8->${int16Out ? 's16' : 'u8'} [${shape}] scale ${scale.toPrecision(3)} beta ${beta.toFixed(3)}`,
      spec: softmaxSpec(U8, int16Out ? I16 : U8, shape, beta, { scale: [scale], zeroPoint: [rng.int(0, 255)] },
        int16Out ? { scale: [1 / 65536], zeroPoint: [-32768] } : { scale: [1 / 256], zeroPoint: [0] }),
      inputs: [bytesOf(U8, rng.ints(prod(shape), i % 2 ? 200 : 0, 255))],
    });
  }
  // float -> uint8, uint8 -> uint8.
  for (let i = 0; i < 6; i++) {
    const shape = [rng.int(1, 4), rng.int(1, 20)];
    const scale = Math.fround(i % 2 ? 2 ** rng.int(-8, 2) : 10 ** rng.float(-3, 1));
    const zp = rng.int(0, 255);
    cases.push({
      name: `quantize f32->u8 [${shape}] scale ${scale.toPrecision(3)} zp ${zp}`,
      spec: quantizeSpec(F32, U8, shape, undefined, { scale: [scale], zeroPoint: [zp] }),
      inputs: [bytesOf(F32, floatsToQuantize(rng, prod(shape), scale, zp, U8))],
    });
  }
  for (let i = 0; i < 4; i++) {
    const shape = [rng.int(1, 64)];
    const inScale = Math.fround(10 ** rng.float(-3, 0)), outScale = Math.fround(inScale / (i % 2 ? 0.5 : 10 ** rng.float(-1, 1)));
    const inZp = rng.int(0, 255), outZp = rng.int(0, 255);
    cases.push({
      name: `quantize u8->u8 [${shape}] scales ${inScale.toPrecision(3)}/${outScale.toPrecision(3)} zps ${inZp}/${outZp}`,
      spec: quantizeSpec(U8, U8, shape, { scale: [inScale], zeroPoint: [inZp] }, { scale: [outScale], zeroPoint: [outZp] }),
      inputs: [bytesOf(U8, rng.ints(prod(shape), 0, 255))],
    });
  }
  // Per-channel quantization of floats, on every axis.
  for (let i = 0; i < 8; i++) {
    const shape = [rng.int(1, 3), rng.int(2, 5), rng.int(1, 4), rng.int(2, 6)];
    const axis = i % 4;
    const outType = i === 5 ? U8 : i === 6 ? I16 : I8;
    const channels = shape[axis];
    const scale = Array.from({ length: channels }, () => Math.fround(10 ** rng.float(-3, 0)));
    const zeroPoint = scale.map(() => (outType === U8 ? rng.int(0, 255) : outType === I16 ? 0 : rng.int(-128, 127)));
    const values = floatsToQuantize(rng, prod(shape), scale[0], zeroPoint[0], outType).map((v, k) => (k % 3 === 0 ? v * 10 : v));
    cases.push({
      name: `quantize f32->${outType === U8 ? 'u8' : outType === I16 ? 's16' : 's8'} per-channel [${shape}] axis ${axis}`,
      spec: quantizeSpec(F32, outType, shape, undefined, { scale, zeroPoint, axis }),
      inputs: [bytesOf(F32, values)],
    });
  }
  // Per-channel dequantization.
  for (let i = 0; i < 6; i++) {
    const shape = [rng.int(2, 4), rng.int(1, 5), rng.int(2, 6)];
    const axis = i % 3;
    const inType = i === 4 ? U8 : I8;
    const scale = Array.from({ length: shape[axis] }, () => Math.fround(10 ** rng.float(-4, 1)));
    const zeroPoint = scale.map(() => (inType === U8 ? rng.int(0, 255) : rng.int(-128, 127)));
    cases.push({
      name: `dequantize ${inType === U8 ? 'u8' : 's8'} per-channel [${shape}] axis ${axis}`,
      spec: dequantizeSpec(inType, shape, { scale, zeroPoint, axis }),
      inputs: [bytesOf(inType, inType === U8 ? rng.ints(prod(shape), 0, 255) : rng.ints(prod(shape), -128, 127))],
    });
  }
  // float16 weights: a constant DEQUANTIZE input; a QUANTIZE beside it gives the model an input.
  for (let i = 0; i < 3; i++) {
    const n = rng.int(1, 40);
    const special = [0, -0, 1, -2, 65504, -65504, 6.103515625e-5, 5.960464477539063e-8, 3.0517578125e-5]; // no infinities: compare.ts sees Inf - Inf as a mismatch
    const halves = Array.from({ length: n }, (_, k) => halfBits(i === 0 && k < special.length ? special[k] : rng.float(-1000, 1000) * 10 ** rng.int(-6, 0)));
    const spec: ModelSpec = {
      tensors: [
        { type: F16, shape: [n], data: new Uint8Array(Uint16Array.from(halves).buffer) },
        activation(F32, [n]),
        activation(F32, [2]),
        activation(I8, [2], { scale: [0.5], zeroPoint: [0] }),
      ],
      inputs: [2],
      outputs: [1, 3],
      ops: [
        { code: 6, version: 3, inputs: [0], outputs: [1] },
        { code: 114, version: 1, inputs: [2], outputs: [3] },
      ],
    };
    cases.push({ name: `dequantize f16 constant [${n}]`, spec, inputs: [bytesOf(F32, [1.25, -3])] });
  }
  for (const c of cases) c.engines = ['litert'];
  return cases;
}
