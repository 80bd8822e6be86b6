// Bundles the engine-neutral runtime (already compiled by tsc) into one ES module for the XS engine,
// and the XS desktop host's driver (hosts/xs/driver.ts: the runtime on the native executor) into another.
import { statSync } from 'node:fs';

const printSize = (output) => ({
  name: 'print-size',
  writeBundle() { console.log(`bundle ${output}: ${statSync(output).size} bytes`); },
});

const bundle = (input, output) => ({ input, output: { file: output, format: 'es' }, plugins: [printSize(output)] });

export default [
  bundle('dist/src/index.js', 'dist/xsml.js'),
  bundle('dist/hosts/xs/driver.js', 'dist/xsml-xs-driver.js'),
];
