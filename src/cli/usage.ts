/**
 * Exit codes and the one-line error every command ends with on failure:
 * 0 success, 1 runtime failure (refused, not found, timeout, negative feedback), 2 usage error (bad flag,
 * malformed connection string, missing argument, no hub to talk to), 130 interrupted by Ctrl+C (SIGINT),
 * 143 stopped by SIGTERM.
 */
import { displayText } from '../core/display-text.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** The user asked for something that cannot work as asked: exit 2 with the sentence. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints one line on stderr (never a stack trace) and sets the exit code. */
export function fail(message: string, code: number): void {
  process.stderr.write(`iot-c2d: ${displayText(message.split('\n')[0] as string)}\n`);
  process.exitCode = code;
}

/**
 * yargs' "Invalid values:" message (one line per bad option, `Argument: ack, Given: "bogus", Choices: "none", …`)
 * as one sentence: the option, the value and the allowed values. Undefined for other messages.
 */
export function choiceError(message: string): string | undefined {
  if (!message.startsWith('Invalid values:')) return undefined;
  const problems = [...message.matchAll(/Argument: ([^,]+), Given: (.+?), Choices: (.+)$/gm)].map((m) => {
    const choices = [...(m[3] as string).matchAll(/"([^"]*)"|([^,\s]+)/g)].map((c) => c[1] ?? c[2]);
    return `--${m[1] as string} ${m[2] as string} is not one of its choices: give ${choices.join(', ')}`;
  });
  return problems.length ? `${problems.join('; ')}.` : undefined;
}

/** `iot-c2d <group> <word>` where the group has subcommands and `word` is none of them: one sentence, or undefined. */
export function unknownSubcommand(argv: readonly string[], groups: Readonly<Record<string, readonly string[]>>): string | undefined {
  const [group, word] = argv;
  if (group === undefined || word === undefined || word.startsWith('-')) return undefined;
  const known = groups[group];
  if (!known || known.includes(word)) return undefined;
  return `"${group} ${word}": ${group} has no command "${word}"; its commands are ${known.join(', ')} (iot-c2d ${group} --help).`;
}
