// The firmware's self-test (milestone A): JavaScript features the runtime relies on, run from
// byte code compiled on the desktop. Prints each check; any failure throws, so the firmware exits 1.
(function () {
  let failures = 0;
  function check(name, actual, expected) {
    const ok = Object.is(actual, expected);
    print(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${String(actual)}${ok ? '' : ` (expected ${String(expected)})`}`);
    if (!ok) failures++;
  }

  // Typed arrays over one buffer, little-endian, float32 rounding
  const buffer = new ArrayBuffer(16);
  const f32 = new Float32Array(buffer, 0, 2);
  const i8 = new Int8Array(buffer, 8, 4);
  const u8 = new Uint8Array(buffer);
  f32[0] = 0.1;
  f32[1] = -2.5;
  i8.set([-128, 127, -1, 7]);
  check('Float32Array rounds', f32[0], Math.fround(0.1));
  check('little-endian bytes', u8[7].toString(16), 'c0');
  check('Int8Array', Array.from(i8).join(','), '-128,127,-1,7');
  const i32 = new Int32Array([0x7fffffff, -5]);
  i32[0] += 1;
  check('Int32Array wraps', i32[0], -2147483648);
  check('DataView', new DataView(buffer).getFloat32(4, true), -2.5);
  check('subarray shares', (u8.subarray(8, 9)[0] = 1, i8[0]), 1);

  // Math, as the kernels' reference code uses it
  check('Math.fround', Math.fround(1 / 3), 0.3333333432674408);
  check('Math.imul', Math.imul(0x7fffffff, 3), 2147483645);
  check('Math.round(-2.5)', Math.round(-2.5), -2);
  // libm differs: glibc and V8 give e exactly rounded, newlib's exp(1) is 1 ulp above it.
  check('Math.exp within 1 ulp', Math.abs(Math.exp(1) - Math.E) <= 4.5e-16, true);
  check('Math.tanh', Math.tanh(0.5), 0.46211715726000974);
  check('-0', 0 * -1, -0);
  check('Number formatting', (1 / 3).toString(), '0.3333333333333333');

  // Classes, getters, static members, inheritance, private fields
  class Shape {
    #id;
    static count = 0;
    constructor(id) { this.#id = id; Shape.count++; }
    get id() { return this.#id; }
    area() { return 0; }
  }
  class Rect extends Shape {
    constructor(id, w, h) { super(id); this.w = w; this.h = h; }
    area() { return this.w * this.h; }
  }
  const shapes = [new Rect('a', 2, 3), new Shape('b'), new Rect('c', 4, 0.5)];
  check('class + extends', shapes.map((s) => s.area()).join(','), '6,0,2');
  check('private field getter', shapes[2].id, 'c');
  check('static field', Shape.count, 3);

  // Closures
  function counter() { let n = 0; return () => ++n; }
  const next = counter();
  next(); next();
  check('closure', next(), 3);
  const adders = [1, 2, 3].map((k) => (x) => x + k);
  check('closures in a loop', adders.map((f) => f(10)).join(','), '11,12,13');

  // Exceptions: thrown, caught, finally, custom Error subclasses
  class ModelError extends Error {
    constructor(message) { super(message); this.name = 'ModelError'; }
  }
  let caught = '';
  let cleaned = false;
  try {
    try {
      throw new ModelError('bad tensor');
    } finally {
      cleaned = true;
    }
  } catch (e) {
    caught = `${e.name}: ${e.message} ${e instanceof ModelError} ${e instanceof Error}`;
  }
  check('exception caught', caught, 'ModelError: bad tensor true true');
  check('finally ran', cleaned, true);
  let range = '';
  try { new Array(-1); } catch (e) { range = e.constructor.name; }
  check('RangeError from the engine', range, 'RangeError');

  // Strings, templates, Map/Set, JSON, destructuring, spread, generators, BigInt
  const m = new Map([['x', 1], ['y', 2]]);
  const { x, ...rest } = { x: 1, y: 2, z: 3 };
  check('Map + Set', [...m.keys(), ...new Set([1, 1, 2])].join(''), 'xy12');
  check('destructuring', `${x}${Object.keys(rest).join('')}`, '1yz');
  check('JSON', JSON.stringify({ a: [1, 2.5, 'q'], b: null }), '{"a":[1,2.5,"q"],"b":null}');
  function* range3() { yield 1; yield 2; yield 3; }
  check('generator', [...range3()].reduce((a, b) => a + b, 0), 6);
  check('BigInt', (2n ** 64n).toString(), '18446744073709551616');
  check('padStart', '7'.padStart(3, '0'), '007');
  check('RegExp', /(\d+)us/.exec('Finished in 26us')[1], '26');

  // Promises run as jobs after the script (a failure there is an unhandled rejection: exit 1)
  Promise.resolve(41).then((v) => {
    check('promise job', v + 1, 42);
    if (v + 1 !== 42) throw new Error('promise job failed');
  });

  // Timing from the board
  const t0 = xsmlBoard.instructions();
  let s = 0;
  for (let i = 0; i < 1000; i++) s += i;
  const spent = xsmlBoard.instructions() - t0;
  check('a 1000-iteration JS loop', s, 499500);
  print(`a 1000-iteration JS loop: ${spent} instructions (${(spent / 1000).toFixed(1)} per iteration)`);
  const ticks = xsmlBoard.ticks;
  const c0 = xsmlBoard.instructions();
  for (let i = 0; i < 1000; i++) ticks();
  const calls = xsmlBoard.instructions() - c0 - spent;
  print(`a JS -> C host call (xsmlBoard.ticks): ${(calls / 1000).toFixed(0)} instructions (loop overhead subtracted)`);
  print(`boot: ${xsmlBoard.bootInstructions} instructions to the first script on ${xsmlBoard.name} (${xsmlBoard.cpu})`);

  if (failures) throw new Error(`${failures} self-test check(s) failed`);
})();
