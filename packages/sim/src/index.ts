/**
 * @diffcell/sim — synthetic spliced/unspliced data with known truth.
 */

export { type KineticSimulation, simulateKinetics } from "./kinetic.js";
export { type CountNoise, KineticSimulationConfig, type KineticSimulationInit } from "./kineticConfig.js";
export { logFactorial, sampleGamma, samplePoisson, standardNormal, type UniformSource } from "./sampling.js";
export { disposeVelocityData, generateVelocityData, type VelocityData, type VelocityDataOptions } from "./seedData.js";
