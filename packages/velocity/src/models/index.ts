/** The built-in kinetics models, registered once on import. A new model: its file and one line here. */
import { dynamical } from "./dynamical.js";
import { registerKineticsModel } from "./registry.js";
import { standard } from "./standard.js";

registerKineticsModel(standard);
registerKineticsModel(dynamical);

export { type KineticsModelSpec, kineticsModel, kineticsModelNames, registerKineticsModel } from "./registry.js";
