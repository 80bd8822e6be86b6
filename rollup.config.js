// Bundles the engine-neutral runtime (already compiled by tsc) into one ES module for the XS engine.
import { statSync } from 'node:fs';

const output = 'dist/xsml.js';
export default {
  input: 'dist/src/index.js',
  output: { file: output, format: 'es' },
  plugins: [{
    name: 'print-size',
    writeBundle() { console.log(`bundle ${output}: ${statSync(output).size} bytes`); },
  }],
};
