// The copy of a model that the reference interpreters are given. person_detect.tflite stores
// quantized_dimension = 3 in 1-D tensors (biases, per-tensor or with one scale per element);
// TFLM accepts that, xsml too (reading it as axis 0), but TFLite's interpreter refuses the model.
// The copy sets the field to 0 where it exceeds the tensor's rank, which changes no value of the
// model; every other byte is the original's.
import { loadModel } from '../../src/index.js';
import { FlatBuffer } from '../../src/model/flatbuffer.js';

export function referenceCopy(original: Uint8Array): Uint8Array {
  const bytes = original.slice();
  const fb = new FlatBuffer(bytes, 'copy');
  const root = fb.root();
  const subgraph = root.tables(2, 'subgraphs')[0];
  const view = new DataView(bytes.buffer);
  const model = loadModel(original);
  subgraph.tables(0, 'tensors').forEach((t, i) => {
    const q = t.table(4, 'quantization');
    if (!q || q.i32(6, 'quantized_dimension') < model.tensors[i].shape.length) return;
    // Field 6's inline position: table position + the offset in its vtable slot.
    const vtable = q.pos - view.getInt32(q.pos, true);
    const fieldOffset = view.getUint16(vtable + 4 + 2 * 6, true);
    view.setInt32(q.pos + fieldOffset, 0, true);
  });
  return bytes;
}
