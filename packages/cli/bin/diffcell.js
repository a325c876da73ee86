#!/usr/bin/env node
// The `diffcell` command. Thin on purpose: everything lives in the compiled package (dist/).
import { main, processIo } from "../dist/index.js";

process.exitCode = await main(process.argv.slice(2), processIo());
