import { describe, expect, it } from "vitest";
import { checkpoint, runCooperatively, runToEnd, type Steps } from "./cooperative.js";

function* counted(log: string[], n: number): Steps<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`step ${i}`);
      yield;
    }
    return n;
  } finally {
    log.push("closed");
  }
}

describe("cooperative steps", () => {
  it("runToEnd runs every step and returns the generator's value", () => {
    const log: string[] = [];
    expect(runToEnd(counted(log, 3))).toBe(3);
    expect(log).toEqual(["step 0", "step 1", "step 2", "closed"]);
  });

  it("runCooperatively lets timers run between steps and returns the same value", async () => {
    const log: string[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    function* slow(): Steps<string> {
      for (let i = 0; i < 5; i++) {
        const until = performance.now() + 5;
        while (performance.now() < until); // 5 ms of blocking work per step
        yield;
      }
      return "done";
    }
    expect(await runCooperatively(slow())).toBe("done");
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(await runCooperatively(counted(log, 2))).toBe(2);
    expect(log.at(-1)).toBe("closed");
  });

  it("an abort between steps stops the work, closes the generator and throws the signal's reason", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    function* aborting(): Steps<number> {
      try {
        for (let i = 0; i < 100; i++) {
          log.push(`step ${i}`);
          // Aborted from the event loop, as a user's click or a server's cancel would: a setImmediate queued
          // before the runner's own yield runs first (a 1 ms timer raced 100 trivial steps and lost on a quiet
          // machine).
          if (i === 2) setImmediate(() => controller.abort());
          yield;
        }
        return 100;
      } finally {
        log.push("closed");
      }
    }
    await expect(runCooperatively(aborting(), controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(log.at(-1)).toBe("closed");
    // The abort lands before the runner's next turn: step 3 never starts.
    expect(log).toEqual(["step 0", "step 1", "step 2", "closed"]);
  });

  it("checkpoint throws once aborted, with the caller's reason", async () => {
    const controller = new AbortController();
    await expect(checkpoint(controller.signal)).resolves.toBeUndefined();
    controller.abort(new Error("stop here"));
    await expect(checkpoint(controller.signal)).rejects.toThrow("stop here");
  });
});
