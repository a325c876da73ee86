/**
 * Progress on stderr from the library's `onProgress` events: a live bar per stage on a terminal, one
 * line per finished stage otherwise (logs stay readable).
 */
import type { ProgressCallback, ProgressEvent } from "@diffcell/core";
import type { CliIo } from "./io.js";

const WIDTH = 28;

export interface ProgressBar {
  onProgress: ProgressCallback;
  /** Ends the current line (call before printing anything else to stderr). */
  finish(): void;
}

export function progressBar(io: CliIo, quiet = false): ProgressBar {
  let stage = "";
  let started = 0;
  let lastDraw = 0;
  let open = false;
  let printed = false;
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const line = (event: ProgressEvent) => {
    const fraction = event.total > 0 ? Math.min(1, Math.max(0, event.done / event.total)) : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
    const count = event.total > 1 ? ` ${event.done}/${event.total}` : "";
    const message = event.message ? ` ${event.message}` : "";
    return `${event.stage.padEnd(20)} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}%${count} ${seconds()}s${message}`;
  };
  const finish = () => {
    if (open && io.isTty) io.stderr("\n");
    open = false;
  };
  const onProgress: ProgressCallback = (event) => {
    if (quiet) return;
    if (event.stage !== stage) {
      finish();
      stage = event.stage;
      started = performance.now();
      lastDraw = 0;
      printed = false;
    }
    const done = event.total > 0 && event.done >= event.total;
    if (io.isTty) {
      if (done && printed) return;
      if (done) printed = true;
      const now = performance.now();
      if (!done && now - lastDraw < 80) return;
      lastDraw = now;
      io.stderr(`\r\x1b[2K${line(event)}`);
      open = true;
      if (done) finish();
    } else if (done && !printed) {
      printed = true;
      io.stderr(`${line(event)}\n`);
    }
  };
  return { onProgress, finish };
}
