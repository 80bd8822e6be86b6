// A script that fails: the firmware must report the uncaught exception and exit with status 1.
print('fail.js: throwing');
function deeper(n) { if (n === 0) throw new TypeError('expected failure'); deeper(n - 1); }
deeper(3);
print('not reached');
