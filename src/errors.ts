/** Every error xsml raises on purpose: a message that names the model, op, tensor and expectation. */
export class XsmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XsmlError';
  }
}
