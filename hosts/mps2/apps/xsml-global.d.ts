// The runtime bundle's global, for the app scripts (hosts/mps2/runtime.ts).
declare const xsml: typeof import('../runtime.js');
