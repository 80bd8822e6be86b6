// Models ADD must reject at load.
import { describe, expect, it } from 'vitest';
import { I8, binary, binaryErrorSuite, q } from './support/binary-errors.js';

binaryErrorSuite('ADD', 0, 11);

describe('ADD rejects', () => {
  it('an int8 output scale too small for the input scales', () => {
    expect(binary(0, 11, { type: I8, shape: [3], quant: q(1, 0) }, { type: I8, shape: [3], quant: q(1, 0) }, { type: I8, shape: [3], quant: q(1e-7, 0) }))
      .toThrow(/output rescaling factor .* is not in \(0, 1\)/);
  });
});
