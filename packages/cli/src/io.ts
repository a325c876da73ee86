/** Where the CLI writes: the process's streams, or buffers in tests. */
export interface CliIo {
  /** Results and the one-line summary. */
  stdout(text: string): void;
  /** Progress bars, warnings and errors. */
  stderr(text: string): void;
  /** Draw live progress bars (a terminal) rather than one line per stage (a log file, CI). */
  isTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** An in-memory CliIo for tests and embedding: everything written is kept. */
export function bufferIo(env: Record<string, string | undefined> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    isTty: false,
    env,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
