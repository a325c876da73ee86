import { ConfigError, InputError } from "./errors.js";

/**
 * Seeded, splittable, counter-based random numbers (Philox4x32-10, Salmon et al. 2011, the generator
 * behind numpy's `Philox` and cuRAND). Every number is a pure function of (key, counter), so the same seed
 * gives the same numbers on every machine and backend; no global state, no `Math.random`.
 *
 * Each draw consumes a fresh range of counters; {@link Rngs.split} derives independent child generators
 * (for parameter initialisation, minibatch order, ...) without touching the parent's sequence position
 * beyond one split counter.
 */
export class Rngs {
  private readonly key0: number;
  private readonly key1: number;
  /** Next block counter (64-bit, kept as a safe integer). */
  private counter = 0;
  private splits = 0;

  constructor(seed: number | readonly [number, number] = 0) {
    if (typeof seed === "number") {
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new ConfigError("Rngs", "seed", "a non-negative safe integer", seed);
      }
      this.key0 = seed >>> 0;
      this.key1 = Math.floor(seed / 4294967296) >>> 0;
    } else {
      this.key0 = seed[0] >>> 0;
      this.key1 = seed[1] >>> 0;
    }
  }

  /** Derives `n` independent generators. The parent advances only its split counter. */
  split(n: number): Rngs[] {
    const children: Rngs[] = [];
    for (let i = 0; i < n; i++) children.push(this.fork());
    return children;
  }

  /** One independent child generator (Flax's `rngs.params()` / `jax.random.split` in one call). */
  fork(): Rngs {
    const block = new Uint32Array(4);
    // Split counters live in a counter space disjoint from draws (word 3 = 0x5eed).
    const s = this.splits++;
    philox(this.key0, this.key1, s >>> 0, Math.floor(s / 4294967296) >>> 0, 0xffffffff, 0x5eed, block);
    return new Rngs([block[0], block[1]]);
  }

  /** `n` uniformly distributed 32-bit words. */
  bits(n: number): Uint32Array {
    checkCount(n);
    const blocks = Math.ceil(n / 4);
    const out = new Uint32Array(blocks * 4);
    for (let b = 0; b < blocks; b++) {
      const c = this.counter++;
      philox(this.key0, this.key1, c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, out, b * 4);
    }
    return n === out.length ? out : out.subarray(0, n);
  }

  /** A fast sequential word stream ({@link WordStream}) seeded from this generator's next four words. */
  stream(): WordStream {
    return new WordStream(this.bits(4));
  }

  /** Uniform doubles in [low, high) with 53 random bits each. */
  uniform(n: number, low = 0, high = 1): Float64Array {
    const words = this.bits(2 * n);
    const out = new Float64Array(n);
    const width = high - low;
    for (let i = 0; i < n; i++) {
      const u = ((words[2 * i] >>> 5) * 67108864 + (words[2 * i + 1] >>> 6)) / 9007199254740992;
      out[i] = low + width * u;
    }
    return out;
  }

  /**
   * A buffered source of uniform doubles in [0, 1), for samplers that draw one number at a time
   * (rejection sampling). Deterministic: it consumes this generator's stream in blocks of `blockSize`.
   */
  uniformSource(blockSize = 4096): () => number {
    let block: Float64Array = new Float64Array(0);
    let next = 0;
    return () => {
      if (next >= block.length) {
        block = this.uniform(blockSize);
        next = 0;
      }
      return block[next++];
    };
  }

  /** Standard normal doubles (Box–Muller), scaled to `mean`, `std`. */
  normal(n: number, mean = 0, std = 1): Float64Array {
    const pairs = Math.ceil(n / 2);
    const u = this.uniform(2 * pairs);
    const out = new Float64Array(n);
    for (let i = 0; i < pairs; i++) {
      const radius = Math.sqrt(-2 * Math.log(1 - u[2 * i])); // 1-u in (0, 1]: finite log
      const angle = 2 * Math.PI * u[2 * i + 1];
      out[2 * i] = mean + std * radius * Math.cos(angle);
      if (2 * i + 1 < n) out[2 * i + 1] = mean + std * radius * Math.sin(angle);
    }
    return out;
  }

  /** Normal draws truncated to ±2 standard deviations (resampled), as Flax's `lecun_normal`. */
  truncatedNormal(n: number, std = 1): Float64Array {
    const out = new Float64Array(n);
    let filled = 0;
    while (filled < n) {
      const draw = this.normal(Math.max(16, Math.ceil((n - filled) * 1.1)));
      for (let i = 0; i < draw.length && filled < n; i++) {
        if (Math.abs(draw[i]) <= 2) out[filled++] = draw[i] * std;
      }
    }
    return out;
  }

  /** Integers uniform in [low, high). */
  integers(n: number, low: number, high: number): Int32Array {
    if (!(high > low)) throw new InputError("integers", `empty range [${low}, ${high})`);
    const u = this.uniform(n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + Math.floor(u[i] * (high - low));
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    checkCount(n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    const u = this.uniform(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /**
   * `k` draws from 0..n-1. Without replacement and without weights: a partial Fisher–Yates shuffle.
   * With weights `p` (non-negative, any scale): inverse-CDF sampling with replacement, or
   * Efraimidis–Spirakis keys (u^(1/p)) without replacement.
   */
  choice(n: number, k: number, options: { replace?: boolean; p?: ArrayLike<number> } = {}): Int32Array {
    checkCount(n);
    checkCount(k);
    const replace = options.replace ?? false;
    if (!replace && k > n) throw new InputError("choice", `cannot draw ${k} of ${n} items without replacement`);
    const p = options.p;
    if (p) {
      if (p.length !== n) throw new InputError("choice.p", `expected ${n} weights, got ${p.length}`);
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (!(p[i] >= 0) || !Number.isFinite(p[i]))
          throw new InputError("choice.p", "weights must be finite and ≥ 0", i);
        total += p[i];
      }
      if (!(total > 0)) throw new InputError("choice.p", "weights sum to zero");
      if (replace) return this.weightedWithReplacement(p, total, k);
      return this.weightedWithoutReplacement(p, k);
    }
    if (replace) return this.integers(k, 0, n);
    const pool = new Map<number, number>();
    const out = new Int32Array(k);
    const u = this.uniform(k);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(u[i] * (n - i));
      const vi = pool.get(i) ?? i;
      const vj = pool.get(j) ?? j;
      out[i] = vj;
      pool.set(j, vi);
    }
    return out;
  }

  private weightedWithReplacement(p: ArrayLike<number>, total: number, k: number): Int32Array {
    const cdf = new Float64Array(p.length);
    let acc = 0;
    for (let i = 0; i < p.length; i++) {
      acc += p[i] / total;
      cdf[i] = acc;
    }
    const u = this.uniform(k);
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      let lo = 0;
      let hi = p.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u[i]) hi = mid;
        else lo = mid + 1;
      }
      while (p[lo] === 0 && lo > 0) lo--; // rounding at the top of the CDF
      out[i] = lo;
    }
    return out;
  }

  private weightedWithoutReplacement(p: ArrayLike<number>, k: number): Int32Array {
    const u = this.uniform(p.length);
    const keys = new Float64Array(p.length);
    let positive = 0;
    for (let i = 0; i < p.length; i++) {
      keys[i] = p[i] > 0 ? Math.log(1 - u[i]) / p[i] : Number.NEGATIVE_INFINITY;
      if (p[i] > 0) positive++;
    }
    if (positive < k) throw new InputError("choice.p", `only ${positive} items have positive weight, ${k} requested`);
    const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b);
    return Int32Array.from(order.slice(0, k));
  }
}

/**
 * xoshiro128** (Blackman & Vigna 2018): a fast stream of 32-bit words for bulk draws where Philox's cost
 * would dominate (UMAP's negative sampling draws ~10⁹ cell indices on 33k cells: Philox in JavaScript costs
 * ~18 ns per word, this ~2 ns). Unlike {@link Rngs} it is a sequential stream, not counter-based: the same
 * seed gives the same words in the same order. Seed it from a Philox stream with {@link Rngs.stream}.
 */
export class WordStream {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Four 32-bit words of state; all zero is the one invalid state (replaced by a fixed non-zero one). */
  constructor(seed: ArrayLike<number>) {
    this.s0 = seed[0] >>> 0;
    this.s1 = seed[1] >>> 0;
    this.s2 = seed[2] >>> 0;
    this.s3 = seed[3] >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Fills `out` with the stream's next words. */
  fill(out: Uint32Array): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const x = Math.imul(s1, 5);
      out[i] = Math.imul((x << 7) | (x >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new InputError("count", `expected a non-negative integer, got ${n}`);
}

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/**
 * High 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly: 16-bit limbs keep every
 * partial product below 2^32 (exact in doubles), and the carries are taken with unsigned shifts.
 */
function mulhi(a: number, b: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  const bh = b >>> 16;
  const bl = b & 0xffff;
  const mid1 = ah * bl + ((al * bl) >>> 16); // < 2^32
  const mid2 = al * bh + (mid1 & 0xffff); // < 2^32
  return (ah * bh + (mid1 >>> 16) + (mid2 >>> 16)) >>> 0;
}

/** Philox4x32 with 10 rounds: counter (c0..c3), key (k0, k1) → 4 words into `out` at `offset`. */
export function philox(
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  out: Uint32Array,
  offset = 0,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[offset] = x0;
  out[offset + 1] = x1;
  out[offset + 2] = x2;
  out[offset + 3] = x3;
}
