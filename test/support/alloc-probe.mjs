// Measures heap allocation during invoke: warms the kernels up until the JIT has optimized them,
// then counts young-generation bytes over many invokes with no garbage collection in between (a
// collection would hide allocations, so a run that saw one is repeated). Prints JSON.
// usage: node --expose-gc --max-semi-space-size=256 alloc-probe.mjs MODEL [rounding] [control]
// With "control", every invoke also allocates one small array: the probe must see it.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Interpreter, loadModel } from '../../dist/src/index.js';

const [path, rounding = 'single', control] = process.argv.slice(2);
const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(path)), path), { rounding });
for (const input of interp.inputs) for (let i = 0; i < input.data.length; i++) input.data[i] = (i * 7) % 19 - 9;

const collections = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) collections.push(e.startTime); }).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setImmediate(resolve));

const warmups = Number(process.env.WARMUP ?? 300);
const kept = [];
const invoke = control ? (i) => { interp.invoke(); kept[i & 7] = [i]; } : () => interp.invoke();
for (let i = 0; i < warmups; i++) invoke(i);
// Objects, arrays, closures and boxed numbers are born in the young generation ("new_space");
// code the JIT compiles meanwhile goes elsewhere and is not counted.
function newSpaceUsed() {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  throw new Error('no new_space in this V8');
}

/** Heap bytes allocated by `invokes` invokes plus the measurement itself. */
async function measure(invokes) {
 for (let attempt = 0; attempt < 5; attempt++) {
  globalThis.gc();
  await settle();
  const t0 = performance.now();
  const before = newSpaceUsed();
  for (let i = 0; i < invokes; i++) invoke(i);
  const after = newSpaceUsed();
  const t1 = performance.now();
  await settle();
  await settle();
  if (!collections.some((t) => t >= t0 && t <= t1)) return after - before;
 }
 throw new Error('a garbage collection ran during every attempt');
}
// The difference between 1000 invokes and none is what invoke allocates.
const none = await measure(0);
const invokes = Number(process.env.INVOKES ?? 1000);
const many = await measure(invokes);
console.log(JSON.stringify({ invokes, bytes: many - none, measurementBytes: none }));
