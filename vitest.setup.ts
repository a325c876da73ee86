// Every test file starts with the fastest backend chosen, as an entry point does with `await initBackend()`.
import { initBackend } from "@diffcell/core";

await initBackend();
