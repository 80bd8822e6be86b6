// Every op's golden cases, by op. Each generator gets its own seeded Rng, so adding cases to one op
// never changes another's.
import { Rng } from '../support/rng.js';
import type { OpCase } from './common.js';
import { fullyConnectedCases } from './fully-connected.js';
import { softmaxCases } from './softmax.js';
import { quantizeCases } from './quantize.js';
import { dequantizeCases } from './dequantize.js';
import { averagePool2dCases } from './average-pool-2d.js';
import { maxPool2dCases } from './max-pool-2d.js';
import { reshapeCases } from './reshape.js';
import { concatenationCases } from './concatenation.js';
import { addCases } from './add.js';
import { mulCases } from './mul.js';
import { conv2dCases } from './conv-2d.js';
import { depthwiseConv2dCases } from './depthwise-conv-2d.js';
import { quantizationLitertOnlyCases } from './quantization-litert-only.js';
import { conv2dHybridCases } from './conv-2d-hybrid.js';

const generators: Record<string, (rng: Rng) => OpCase[]> = {
  fully_connected: fullyConnectedCases,
  softmax: softmaxCases,
  quantize: quantizeCases,
  dequantize: dequantizeCases,
  average_pool_2d: averagePool2dCases,
  max_pool_2d: maxPool2dCases,
  reshape: reshapeCases,
  concatenation: concatenationCases,
  add: addCases,
  mul: mulCases,
  conv_2d: conv2dCases,
  depthwise_conv_2d: depthwiseConv2dCases,
  quantization_litert_only: quantizationLitertOnlyCases,
  conv_2d_hybrid: conv2dHybridCases,
};

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function allCases(): Map<string, OpCase[]> {
  const out = new Map<string, OpCase[]>();
  for (const [op, generate] of Object.entries(generators)) out.set(op, generate(new Rng(seedOf(op))));
  return out;
}
