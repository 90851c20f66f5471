/**
 * The start-up's fast path to the TUI: `iot-c2d` or `iot-c2d tui` with nothing but well-formed TUI options is
 * read here, from the TUI's own option definitions (TUI_OPTIONS), so that the TUI starts without loading yargs
 * and every other command (bench/README.md, TUI first frame). Anything else (another command, --help, an
 * unknown or repeated option, a value yargs would read differently or refuse) gives undefined, and yargs parses
 * the command line as before: its help and its usage errors stay exactly what they were.
 */
import { TUI_OPTIONS, portProblem } from './commands/tui.js';
import type { TuiArgs } from './commands/tui.js';

type OptionName = keyof typeof TUI_OPTIONS;

const isOption = (name: string): name is OptionName => Object.hasOwn(TUI_OPTIONS, name);

/** A value yargs takes as it is: not empty, not quoted, not an option, on one line. */
const PLAIN_VALUE = /^[^-'"\s][^\n\r]*$/;
/** A port as yargs reads a number (no sign, no leading zero, no exponent or hex). */
const PORT = /^(0|[1-9][0-9]{0,4})$/;

export function tuiInvocation(argv: readonly string[]): TuiArgs | undefined {
  const args = argv[0] === 'tui' ? argv.slice(1) : argv;
  const given = new Map<OptionName, string | number | boolean>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) return undefined;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (flag === 'feedback' || flag === 'no-feedback') {
      if (eq >= 0 || given.has('feedback')) return undefined;
      given.set('feedback', flag === 'feedback');
      continue;
    }
    if (!isOption(flag) || given.has(flag)) return undefined;
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || !PLAIN_VALUE.test(value)) return undefined;
    const option = TUI_OPTIONS[flag];
    if ('type' in option && option.type === 'number') {
      if (!PORT.test(value) || portProblem(Number(value))) return undefined;
      given.set(flag, Number(value));
    } else {
      if ('choices' in option && !(option.choices as readonly string[]).includes(value)) return undefined;
      given.set(flag, value);
    }
  }
  const defaults = { transport: TUI_OPTIONS.transport.default, 'state-dir': TUI_OPTIONS['state-dir'].default, port: TUI_OPTIONS.port.default, feedback: TUI_OPTIONS.feedback.default };
  return { ...defaults, ...Object.fromEntries(given) } as TuiArgs;
}
