/**
 * Exit codes and the one-line error every command ends with on failure:
 * 0 success, 1 runtime failure (refused, not found, timeout, negative feedback), 2 usage error (bad flag,
 * malformed connection string, missing argument, no hub to talk to), 130 interrupted by Ctrl+C (SIGINT),
 * 143 stopped by SIGTERM.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** The user asked for something that cannot work as asked: exit 2 with the sentence. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints one line on stderr (never a stack trace) and sets the exit code. */
export function fail(message: string, code: number): void {
  process.stderr.write(`iot-c2d: ${message.split('\n')[0]}\n`);
  process.exitCode = code;
}
