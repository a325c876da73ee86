/**
 * Uniform random cell indices in [0, n) for negative sampling, exactly uniform, from a fast word stream
 * (core's `WordStream`, xoshiro128**, seeded from the layout's Philox generator).
 *
 * The layout draws ~80 M indices on 3 700 cells and ~10⁹ on 33k: Philox in JavaScript (~18 ns per word)
 * took 8.6 s of a 20 s layout on 33k cells. Each index takes one 32-bit word r: ⌊r·n / 2³²⌋, rejected when
 * (r·n mod 2³²) < 2³² mod n (Lemire's multiply-and-reject), which makes every index exactly equally likely
 * (at most n/2³² of draws are rejected), computed exactly in float64 while r·n < 2⁵³ (n < 2²¹); beyond that
 * the rejection is skipped (bias < n/2³² per index). ~5 ns per index. (Two 16-bit draws per word were
 * slower: at n near 2¹⁵ half of them are rejected, 13 ns per index.)
 */
import type { Rngs, WordStream } from "@diffcell/core";

/** Words drawn per refill of the stream's buffer. */
const BLOCK = 4096;

export class RandomCells {
  private readonly threshold: number;
  private readonly stream: WordStream;
  private readonly words = new Uint32Array(BLOCK);

  constructor(
    rngs: Rngs,
    private readonly n: number,
  ) {
    this.stream = rngs.stream();
    // Draws r with (r·n mod 2³²) below this are rejected: 2³² mod n.
    this.threshold = n < 2 ** 21 ? 4294967296 % n : 0;
  }

  /** Fills `out` with independent uniform indices. */
  fill(out: Int32Array): void {
    const n = this.n;
    const threshold = this.threshold;
    let count = 0;
    while (count < out.length) {
      const need = Math.min(BLOCK, out.length - count);
      const words = this.stream.fill(need === BLOCK ? this.words : this.words.subarray(0, need));
      for (let i = 0; i < need; i++) {
        const m = words[i] * n; // exact below 2⁵³
        const index = Math.floor(m / 4294967296);
        if (m - index * 4294967296 >= threshold) out[count++] = index;
      }
    }
  }
}
