/**
 * Uniform random cell indices in [0, n) for negative sampling, exactly uniform, from a fast word stream
 * (core's `WordStream`, xoshiro128**, seeded from the layout's Philox generator).
 *
 * The layout draws ~80 M indices on 3 700 cells and ~10⁹ on 33k: Philox in JavaScript (~18 ns per word)
 * took 8.6 s of a 20 s layout on 33k cells, the stream ~2 ns per word. For n ≤ 2¹⁶ each word yields two
 * 16-bit draws. A 16-bit draw r maps to
 * ⌊r·n / 2¹⁶⌋ and is rejected when (r·n mod 2¹⁶) < 2¹⁶ mod n (Lemire's multiply-and-reject), which makes
 * every index exactly equally likely; at most n/2¹⁶ of draws are rejected (4% on pancreas).
 * Above 2¹⁶ cells each index takes a whole word, ⌊r·n / 2³²⌋, with the same rejection, computed exactly
 * in float64 while r·n < 2⁵³ (n < 2²¹); beyond that the rejection is skipped (bias < n/2³² per index).
 */
import type { Rngs, WordStream } from "@diffcell/core";

export class RandomCells {
  private readonly threshold: number;
  private readonly stream: WordStream;
  private words = new Uint32Array(0);

  constructor(
    rngs: Rngs,
    private readonly n: number,
  ) {
    this.stream = rngs.stream();
    // Draws r with (r·n mod 2^bits) below this are rejected: 2^bits mod n.
    this.threshold = n <= 65536 ? 65536 % n : n < 2 ** 21 ? 4294967296 % n : 0;
  }

  /** Fills `out` with independent uniform indices (unused bits of the last words are dropped). */
  fill(out: Int32Array): void {
    const n = this.n;
    const threshold = this.threshold;
    let count = 0;
    while (count < out.length) {
      // Enough words for the remaining draws at the worst rejection rate, at least one.
      const need = out.length - count;
      const count32 = n <= 65536 ? Math.ceil(need / 2) : need;
      if (this.words.length < count32) this.words = new Uint32Array(count32);
      const words = this.stream.fill(this.words.subarray(0, count32));
      for (let i = 0; i < words.length && count < out.length; i++) {
        const w = words[i];
        if (n <= 65536) {
          const lo = (w & 0xffff) * n;
          if ((lo & 0xffff) >= threshold) out[count++] = lo >>> 16;
          if (count === out.length) break;
          const hi = (w >>> 16) * n;
          if ((hi & 0xffff) >= threshold) out[count++] = hi >>> 16;
        } else {
          const m = w * n; // exact below 2⁵³
          const index = Math.floor(m / 4294967296);
          if (m - index * 4294967296 >= threshold) out[count++] = index;
        }
      }
    }
  }
}
