// The MPS2 firmware's JavaScript, from the TypeScript compiled by `tsc -p hosts/mps2` into
// build/mps2/js/tsc/: the runtime as one IIFE script that defines the global `xsml`, and each app
// as a script. xsml-xsc compiles them to byte code (classic scripts: the firmware has no module loader).
const TSC = 'build/mps2/js/tsc';

export default [
  {
    input: `${TSC}/hosts/mps2/runtime.js`,
    output: { file: 'build/mps2/js/xsml-board.js', format: 'iife', name: 'xsml' },
  },
  ...['hello_world', 'runner', 'demo'].map((app) => ({
    input: `${TSC}/hosts/mps2/apps/${app}.js`,
    output: { file: `build/mps2/js/${app}.js`, format: 'iife' },
  })),
];
