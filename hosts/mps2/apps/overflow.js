// A runaway recursion overflows the fixed JS stack. XS (with mxBoundsCheck) aborts cleanly:
// the firmware prints the reason and the memory marks and exits 2, instead of faulting in the GC.
print('overflow.js: recursing');
function recurse(n) { return recurse(n + 1) + 1; }
recurse(0);
print('not reached');
