// Cases shared by AVERAGE_POOL_2D and MAX_POOL_2D: NHWC inputs, 1x1..5x5 windows, strides 1-3,
// SAME and VALID padding, every fused activation, batches of 1 and 2, float32 and int8.
import type { Rng } from '../support/rng.js';
import { ACTIVATIONS, F32, I8, activation, q8, randomInput, type OpCase } from './common.js';

const SAME = 0, VALID = 1;

/** ComputeOutSize of TFLite's padding.h. */
function outSize(padding: number, size: number, filter: number, stride: number): number {
  return Math.trunc(padding === SAME ? (size + stride - 1) / stride : (size + stride - filter) / stride);
}

interface PoolConfig {
  float: boolean;
  batches: number;
  inH: number;
  inW: number;
  channels: number;
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padding: number;
  act: number;
}

function poolCase(rng: Rng, code: number, c: PoolConfig, label = ''): OpCase {
  const inShape = [c.batches, c.inH, c.inW, c.channels];
  const outShape = [c.batches, outSize(c.padding, c.inH, c.filterH, c.strideH), outSize(c.padding, c.inW, c.filterW, c.strideW), c.channels];
  const quant = c.float ? undefined : q8(rng);
  const input = activation(c.float ? F32 : I8, inShape, quant);
  const output = activation(c.float ? F32 : I8, outShape, quant);
  return {
    name: `${c.float ? 'f32' : 's8'} in[${inShape}] filter ${c.filterH}x${c.filterW} stride ${c.strideH},${c.strideW} ${c.padding === SAME ? 'SAME' : 'VALID'} act${c.act}${label}`,
    spec: {
      tensors: [input, output],
      inputs: [0],
      outputs: [1],
      ops: [{
        code, version: c.float ? 1 : 2, inputs: [0], outputs: [1], optionsType: 5,
        options: [[0, 'i8', c.padding], [1, 'i32', c.strideW], [2, 'i32', c.strideH], [3, 'i32', c.filterW], [4, 'i32', c.filterH], [5, 'i8', c.act]],
      }],
    },
    // Floats wide enough that RELU6 and RELU_N1_TO_1 clip.
    inputs: [randomInput(rng, input, -8, 8)],
  };
}

export function poolCases(rng: Rng, code: number): OpCase[] {
  const cases: OpCase[] = [];
  for (let i = 0; i < 60; i++) {
    const float = i % 2 === 0;
    const filterH = rng.int(1, 5), filterW = rng.bool(0.7) ? filterH : rng.int(1, 5);
    const strideH = rng.int(1, 3), strideW = rng.bool(0.7) ? strideH : rng.int(1, 3);
    const padding = rng.bool() ? SAME : VALID;
    // VALID needs the window to fit; SAME also takes inputs smaller than the window.
    const lo = padding === VALID ? Math.max(filterH, filterW) : 1;
    cases.push(poolCase(rng, code, {
      float,
      batches: i % 4 < 2 ? 1 : 2,
      inH: rng.int(lo, 12),
      inW: rng.int(lo, 12),
      channels: rng.int(1, 8),
      filterH, filterW, strideH, strideW, padding,
      act: ACTIVATIONS[(i >> 1) % 4],
    }));
  }
  // What models do: global pooling over the whole feature map, and 2x2 / 3x3 stride-2 downsampling.
  for (const float of [true, false]) {
    cases.push(poolCase(rng, code, { float, batches: 1, inH: 7, inW: 7, channels: 16, filterH: 7, filterW: 7, strideH: 1, strideW: 1, padding: VALID, act: 0 }, ' global'));
    cases.push(poolCase(rng, code, { float, batches: 2, inH: 5, inW: 3, channels: 4, filterH: 5, filterW: 3, strideH: 2, strideW: 2, padding: SAME, act: 3 }, ' global'));
    cases.push(poolCase(rng, code, { float, batches: 1, inH: 12, inW: 12, channels: 8, filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: VALID, act: 0 }));
    cases.push(poolCase(rng, code, { float, batches: 2, inH: 11, inW: 9, channels: 3, filterH: 3, filterW: 3, strideH: 2, strideW: 2, padding: SAME, act: 1 }));
    cases.push(poolCase(rng, code, { float, batches: 1, inH: 2, inW: 3, channels: 5, filterH: 5, filterW: 5, strideH: 3, strideW: 3, padding: SAME, act: 2 }, ' window larger than input'));
  }
  return cases;
}
