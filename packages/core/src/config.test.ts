import { describe, expect, it } from "vitest";
import { Config } from "./config.js";
import { ConfigError } from "./errors.js";

class ToyConfig extends Config {
  readonly nGenes: number;
  readonly dt: number;
  readonly mode: "a" | "b";
  constructor(init: { nGenes: number; dt?: number; mode?: "a" | "b" }) {
    super("ToyConfig");
    this.nGenes = this.integer("nGenes", init.nGenes, { min: 1 });
    this.dt = this.number("dt", init.dt ?? 0.1, { gt: 0 });
    this.mode = this.oneOf("mode", init.mode ?? "a", ["a", "b"]);
    this.finish(init);
  }
}

describe("Config", () => {
  it("fills defaults and freezes", () => {
    const c = new ToyConfig({ nGenes: 3 });
    expect(c.toJSON()).toEqual({ nGenes: 3, dt: 0.1, mode: "a" });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("names the field and the allowed range", () => {
    expect(() => new ToyConfig({ nGenes: 0 })).toThrow("ToyConfig.nGenes must be an integer ≥ 1; got 0");
    expect(() => new ToyConfig({ nGenes: 2.5 })).toThrow(ConfigError);
    expect(() => new ToyConfig({ nGenes: 2, dt: -1 })).toThrow("ToyConfig.dt must be a number > 0; got -1");
    expect(() => new ToyConfig({ nGenes: 2, mode: "c" as "a" })).toThrow(
      'ToyConfig.mode must be one of "a", "b"; got "c"',
    );
    try {
      new ToyConfig({ nGenes: 2, dt: Number.NaN });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe("dt");
    }
  });

  it("rejects unknown fields and suggests the closest", () => {
    expect(() => new ToyConfig({ nGenes: 2, nGene: 3 } as never)).toThrow(/did you mean "nGenes"/);
  });
});
