import { Rngs } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { VelocityConfig } from "../config.js";
import { DifferentiableVelocity } from "../velocity.js";
import { kineticsModel, kineticsModelNames, registerKineticsModel } from "./index.js";

describe("kinetics model registry", () => {
  it("has the built-in models, and names the choices when a name is unknown", () => {
    expect(kineticsModelNames().slice(0, 2)).toEqual(["standard", "dynamical"]);
    expect(kineticsModel("dynamical")).toMatchObject({ switching: true, unsplicedScale: true });
    expect(() => new VelocityConfig({ nGenes: 3, kineticsModel: "nope" })).toThrow(
      /VelocityConfig.kineticsModel must be one of "standard", "dynamical".*; got "nope"/,
    );
  });

  it("a registered model is selectable by name and decides the parameters and velocity source", () => {
    registerKineticsModel({
      name: "test-induction",
      description: "induction with a capture scale",
      switching: false,
      unsplicedScale: true,
      velocitySource: "model",
    });
    const config = new VelocityConfig({ nGenes: 4, kineticsModel: "test-induction" });
    expect(config.velocitySource).toBe("model");
    const op = new DifferentiableVelocity(config, { rngs: new Rngs(0) });
    const names = op.parameters().map(([name]) => name);
    expect(names).toContain("kineticsEncoder.logScale");
    expect(names).not.toContain("kineticsEncoder.logDuration");
    op.dispose();
    expect(() => registerKineticsModel({ ...kineticsModel("test-induction"), description: "again" })).toThrow(
      /registerKineticsModel.name/,
    );
  });
});
