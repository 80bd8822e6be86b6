// The STM32 firmware's build-time model check (hosts/stm32/stm32.mk runs it for each app):
// loads and plans each model with the runtime (dist/, `npm run build`), refuses the build with
// the numbers when a plan's arena does not fit the board's arena, and writes the list of
// operator files (src/ops/*.ts) the models use, which is all the app's runtime bundle carries.
//   node hosts/stm32/tools/check-models.mjs --arena-bytes N --region NAME --ops OUT MODEL...
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const { loadModel, planModel, OPERATORS, CUSTOM_OPERATORS } = await import('../../../dist/src/index.js');

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) throw new Error(`${flag} is required`);
  return args.splice(i, 2)[1];
};
const arenaBytes = Number(take('--arena-bytes'));
const region = take('--region');
const opsOut = take('--ops');

// Operator name -> its file in src/ops (and the definition it exports there).
const FILES = {
  FULLY_CONNECTED: 'fully-connected:fullyConnected', SOFTMAX: 'softmax:softmax', QUANTIZE: 'quantize:quantize',
  DEQUANTIZE: 'dequantize:dequantize', ADD: 'add:add', MUL: 'mul:mul', AVERAGE_POOL_2D: 'average-pool-2d:averagePool2d',
  MAX_POOL_2D: 'max-pool-2d:maxPool2d', RESHAPE: 'reshape:reshape', CONCATENATION: 'concatenation:concatenation',
  CONV_2D: 'conv-2d:conv2d', DEPTHWISE_CONV_2D: 'depthwise-conv-2d:depthwiseConv2d', CAST: 'cast:cast',
  STRIDED_SLICE: 'strided-slice:stridedSlice', DIV: 'div:div', MINIMUM: 'minimum-maximum:minimum', MAXIMUM: 'minimum-maximum:maximum',
};

const ops = new Set();
let failed = false;
for (const file of args.filter((f) => f.endsWith('.tflite') || f.endsWith('.circle'))) {
  const name = basename(file);
  const model = loadModel(new Uint8Array(readFileSync(file)), name);
  const plan = planModel(model);
  for (const op of model.operators) {
    const def = op.opcode.custom ? CUSTOM_OPERATORS.get(op.opcode.name) : OPERATORS.get(op.opcode.code);
    const entry = FILES[op.opcode.name];
    if (!def || !entry) {
      console.error(`xsml: error: ${name}: op #${op.index} ${op.opcode.name} cannot be built into the board's runtime`);
      failed = true;
    } else ops.add(entry);
  }
  // The plan's arena, aligned as the board's interpreter places it.
  const need = plan.arenaBytes;
  if (need > arenaBytes) {
    console.error(`xsml: error: ${name} needs an arena of ${need} bytes; the firmware's arena in ${region} is ${arenaBytes} bytes ` +
      `(ARENA_BYTES=${arenaBytes}): build with ARENA_BYTES=${Math.ceil(need / 16) * 16} or more, or ARENA=sram|sdram where the board has the room`);
    failed = true;
  } else {
    console.log(`  MODEL   ${name}: arena ${need} of ${arenaBytes} bytes (${region}), ${model.operators.length} ops`);
  }
}
if (failed) process.exit(1);
writeFileSync(opsOut, [...ops].sort().join('\n') + '\n');
