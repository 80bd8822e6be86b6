// Measures heap allocation during invoke: warms the kernels up until the JIT has optimized them,
// then counts young-generation bytes over many invokes with no garbage collection in between (a
// collection would hide allocations, so a run that saw one is repeated). Prints JSON.
// usage: node --expose-gc --max-semi-space-size=256 alloc-probe.mjs MODEL [tflite|tflm] [control]
// With "control", every invoke also allocates one small array: the probe must see it.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Interpreter, loadModel } from '../../dist/src/index.js';

const [path, exactWith = 'tflite', control] = process.argv.slice(2);
const interp = new Interpreter(loadModel(new Uint8Array(readFileSync(path)), path), { exactWith });
// The inputs' data, and a copy to restore before every invoke: the arena may reuse an input's bytes
// once it is consumed (an output over its input), and kernels fed their own outputs run other paths.
const inputs = interp.inputs.map((v) => v.data);
for (const data of inputs) for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 19 - 9;
const saved = inputs.map((data) => data.slice());
const restore = () => { for (let k = 0; k < inputs.length; k++) inputs[k].set(saved[k]); };

const collections = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) collections.push(e.startTime); }).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setImmediate(resolve));

// Warm up for at least WARMUP invokes and one second, so the JIT has optimized every kernel.
const warmups = Number(process.env.WARMUP ?? 2000);
const warmUntil = performance.now() + 1000;
const kept = [];
const invoke = control ? (i) => { restore(); interp.invoke(); kept[i & 7] = [i]; } : () => { restore(); interp.invoke(); };
for (let i = 0; i < warmups || performance.now() < warmUntil; i++) invoke(i);
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
// The difference between many invokes and none is what invoke allocates. A late recompilation can
// allocate once; an allocation in a kernel shows in every attempt, so the least of three is taken.
const invokes = Number(process.env.INVOKES ?? 1000);
let bytes = Infinity;
let none = 0;
for (let attempt = 0; attempt < 3 && bytes > 0; attempt++) {
  none = await measure(0);
  bytes = Math.min(bytes, (await measure(invokes)) - none);
}
console.log(JSON.stringify({ invokes, bytes, measurementBytes: none }));
