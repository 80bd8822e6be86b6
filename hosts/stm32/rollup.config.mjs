// One STM32 app's JavaScript (`XSML_APP`, with its operator list in `XSML_OPS`, a file written by
// hosts/stm32/tools/check-models.mjs): the runtime bundle (hosts/stm32/runtime.ts) with an
// operator registry of those ops alone, and the app's script, from the TypeScript that
// `tsc -p hosts/stm32` compiled into build/stm32/js/tsc/. The registry keeps src/ops/index.ts's
// exports; KERNELS is empty: the firmware runs the native executor (the C kernels).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const TSC = 'build/stm32/js/tsc';
const OUT = process.env.XSML_OUT;
const app = process.env.XSML_APP;
const ops = readFileSync(process.env.XSML_OPS, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
const REGISTRY = resolve(TSC, 'src/ops/index.js');

function registry() {
  const imports = ops.map(([file, name]) => `import { ${name} } from ${JSON.stringify(resolve(TSC, `src/ops/${file}.js`))};`);
  return `${imports.join('\n')}
const defs = [${ops.map(([, name]) => name).join(', ')}];
export const OPERATORS = new Map(defs.filter((d) => !d.custom).map((d) => [d.code, d]));
export const CUSTOM_OPERATORS = new Map(defs.filter((d) => d.custom).map((d) => [d.name, d]));
export function findOperator(opcode) {
  return opcode.custom ? CUSTOM_OPERATORS.get(opcode.name) : OPERATORS.get(opcode.code);
}
export const KERNELS = [];
`;
}

const onlyTheseOps = {
  name: 'xsml-board-ops',
  resolveId(source, importer) {
    if (importer && resolve(importer, '..', source) === REGISTRY) return '\0xsml-ops';
    return null;
  },
  load(id) {
    return id === '\0xsml-ops' ? registry() : null;
  },
};

export default [
  {
    input: `${TSC}/hosts/stm32/runtime.js`,
    output: { file: `${OUT}/xsml-board.js`, format: 'iife', name: 'xsml' },
    plugins: [onlyTheseOps],
    treeshake: { moduleSideEffects: false },
  },
  {
    input: `${TSC}/hosts/stm32/apps/${app}.js`,
    output: { file: `${OUT}/${app}.js`, format: 'iife' },
  },
];
