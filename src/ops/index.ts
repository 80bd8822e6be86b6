// The operator registry: builtin code -> definition, kernel id -> kernel.
import { KERNEL_COUNT } from './kernel-ids.js';
import type { Kernel, OpDefinition } from './op.js';
import { fullyConnected, fullyConnectedKernels } from './fully-connected.js';

const modules: [OpDefinition, Record<number, Kernel>][] = [
  [fullyConnected, fullyConnectedKernels],
];

export const OPERATORS = new Map<number, OpDefinition>(modules.map(([def]) => [def.code, def]));

const missing: Kernel = (plan, at) => {
  throw new Error(`no kernel with id ${plan[at]}`);
};
export const KERNELS: Kernel[] = new Array(KERNEL_COUNT).fill(missing);
for (const [, kernels] of modules) {
  for (const id of Object.keys(kernels)) KERNELS[Number(id)] = kernels[Number(id)];
}
