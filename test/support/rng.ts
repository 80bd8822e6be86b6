// A small seeded generator (mulberry32) so every test case is the same on every run and host.
export class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  float(lo: number, hi: number): number { return lo + this.next() * (hi - lo); }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]; }
  bool(p = 0.5): boolean { return this.next() < p; }
  ints(n: number, lo: number, hi: number): number[] { return Array.from({ length: n }, () => this.int(lo, hi)); }
  floats(n: number, lo: number, hi: number): number[] { return Array.from({ length: n }, () => Math.fround(this.float(lo, hi))); }
}
