import { describe, expect, it } from "vitest";
import { philox, Rngs, WordStream } from "./rng.js";
import { mean, std } from "./stats.js";

describe("philox4x32-10", () => {
  // Known-answer vectors from Random123 (kat_vectors, philox4x32_10).
  const cases: Array<[number[], number[], number[]]> = [
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ];
  it.each(cases)("counter %j key %j", (ctr, key, expected) => {
    const out = new Uint32Array(4);
    philox(key[0], key[1], ctr[0], ctr[1], ctr[2], ctr[3], out);
    expect(Array.from(out)).toEqual(expected);
  });
});

describe("Rngs", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(Array.from(new Rngs(42).uniform(8))).toEqual(Array.from(new Rngs(42).uniform(8)));
    expect(Array.from(new Rngs(42).uniform(8))).not.toEqual(Array.from(new Rngs(43).uniform(8)));
  });

  it("pins the first numbers of seed 42 (same on every machine)", () => {
    const r = new Rngs(42);
    const words = Array.from(r.bits(4));
    const out = new Uint32Array(4);
    philox(42, 0, 0, 0, 0, 0, out);
    expect(words).toEqual(Array.from(out));
  });

  it("successive draws continue the stream", () => {
    const a = new Rngs(7);
    const first = a.uniform(3);
    const second = a.uniform(3);
    expect(Array.from(first)).not.toEqual(Array.from(second));
  });

  it("uniform and normal have the right moments", () => {
    const r = new Rngs(1);
    const u = r.uniform(200_000);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(std(u)).toBeCloseTo(Math.sqrt(1 / 12), 2);
    expect(Math.min(...u.subarray(0, 10000))).toBeGreaterThanOrEqual(0);
    const z = r.normal(200_000, 2, 3);
    expect(mean(z)).toBeCloseTo(2, 1);
    expect(std(z)).toBeCloseTo(3, 1);
    const t = r.truncatedNormal(50_000, 1);
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
  });

  it("split children are independent of each other and reproducible", () => {
    const [a, b] = new Rngs(5).split(2);
    const [a2] = new Rngs(5).split(1);
    expect(Array.from(a.uniform(4))).toEqual(Array.from(a2.uniform(4)));
    expect(Array.from(a.uniform(4))).not.toEqual(Array.from(b.uniform(4)));
  });

  it("permutation is a permutation; choice respects replace and weights", () => {
    const r = new Rngs(3);
    const p = r.permutation(1000);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const c = r.choice(50, 50);
    expect(new Set(c).size).toBe(50);
    const w = r.choice(3, 30000, { replace: true, p: [0, 1, 3] });
    const counts = [0, 0, 0];
    for (const i of w) counts[i]++;
    expect(counts[0]).toBe(0);
    expect(counts[2] / counts[1]).toBeCloseTo(3, 0);
    const noRep = r.choice(10, 3, { p: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1] });
    expect(Array.from(noRep).sort()).toEqual([7, 8, 9]);
    expect(() => r.choice(3, 4)).toThrow(/without replacement/);
  });

  it("rejects bad seeds with a ConfigError", () => {
    expect(() => new Rngs(-1)).toThrow(/Rngs.seed must be a non-negative safe integer/);
  });
});

describe("WordStream (xoshiro128**)", () => {
  it("matches the reference algorithm from state {1, 2, 3, 4}", () => {
    // Blackman & Vigna's xoshiro128** step, run in Python with explicit 32-bit masks:
    //   r = rotl(s1·5, 7)·9; t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11)
    const words = new WordStream([1, 2, 3, 4]).fill(new Uint32Array(6));
    expect(Array.from(words)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
  it("continues across fills, is seeded reproducibly from Rngs, and is roughly uniform", () => {
    const a = new WordStream([9, 8, 7, 6]);
    const whole = new WordStream([9, 8, 7, 6]).fill(new Uint32Array(10));
    expect([...a.fill(new Uint32Array(4)), ...a.fill(new Uint32Array(6))]).toEqual(Array.from(whole));
    const x = new Rngs(3).stream().fill(new Uint32Array(100_000));
    expect(Array.from(new Rngs(3).stream().fill(new Uint32Array(5)))).toEqual(Array.from(x.subarray(0, 5)));
    const u = Float64Array.from(x, (w) => w / 4294967296);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(std(u)).toBeCloseTo(Math.sqrt(1 / 12), 2);
    expect(Array.from(new WordStream([0, 0, 0, 0]).fill(new Uint32Array(3))).some((w) => w !== 0)).toBe(true);
  });
});
