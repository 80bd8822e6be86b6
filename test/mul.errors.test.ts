// Models MUL must reject at load.
import { describe, expect, it } from 'vitest';
import { I8, binary, binaryErrorSuite, q } from './support/binary-errors.js';

binaryErrorSuite('MUL', 18, 21);

describe('MUL rejects', () => {
  it('an int8 zero point outside the int8 range', () => {
    expect(binary(18, 21, { type: I8, shape: [3], quant: q(0.1, 0) }, { type: I8, shape: [3], quant: q(0.1, 200) }, { type: I8, shape: [3], quant: q(0.1, 0) }))
      .toThrow(/input 2 .* has zero point 200, expected an integer in \[-128, 127\]/);
  });
});
