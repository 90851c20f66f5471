/**
 * Runs the TUI on the terminal: alternate screen, hidden cursor, raw mode via Ink, and one exit path that
 * closes the clients (and the embedded hub) and restores the terminal, whether the user pressed q or ctrl+c
 * or the process got SIGTERM, SIGINT or SIGHUP.
 */
import { render } from 'ink';
import type { TuiConnector } from './connector.js';
import { Controller } from './controller.js';
import { App } from './app.js';
import { initialState } from './state/reducer.js';
import { Store } from './state/store.js';

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
/** Bracketed paste: the terminal marks pasted text, so a paste is one insert however it arrives (controller.ts). */
const PASTE_ON = '\x1b[?2004h';
const PASTE_OFF = '\x1b[?2004l';

export interface RunOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/** Resolves with the exit code once the user quit (or a signal arrived) and everything is closed. */
export async function runTui(connector: TuiConnector, options: RunOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const store = new Store(initialState({ hubLabel: connector.hubLabel, local: connector.local, transport: connector.transport, feedbackEnabled: connector.feedback }));
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const controller = new Controller(store, connector, { onQuit: () => resolveDone() });
  if (connector.prepare) {
    // Drawn at once; the connector fills in the hub and the connection strings behind this first frame.
    store.dispatch({ type: 'service', patch: { link: { status: 'connecting' } } });
    store.dispatch({ type: 'device', patch: { link: { status: 'connecting' } } });
  }

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // The terminal may already be gone (SIGHUP).
    }
    stdout.write(`${PASTE_OFF}${SHOW_CURSOR}${LEAVE_ALT}`);
  };
  // Whatever happens, the terminal comes back as it was.
  process.once('exit', restore);
  const onSignal = (): void => void controller.quit();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  // After SIGHUP the terminal is gone: writing to it fails, which must not stop the clean shutdown.
  const ignore = (): void => undefined;
  stdout.on('error', ignore);
  stdin.on('error', ignore);

  stdout.write(ENTER_ALT + PASTE_ON);
  // Ink may draw up to 60 frames a second so a key shows at once; the store sends stream updates at most 30.
  const ink = render(<App controller={controller} />, { stdin, stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 60 });
  // Ink unmounts itself on a signal (signal-exit): ask for its exit promise now, or it is never resolved.
  const inkExited = ink.waitUntilExit().catch(() => undefined);
  let failure: { error: unknown } | undefined;
  const prepare = connector.prepare?.bind(connector);
  const ready = prepare ? new Promise<void>((resolve) => setImmediate(resolve)).then(prepare) : Promise.resolve();
  ready.then(
    () => {
      if (prepare) store.dispatch({ type: 'hub-label', hubLabel: connector.hubLabel });
      return controller.start();
    },
    (error: unknown) => {
      failure = { error };
      resolveDone();
    },
  );
  await done;
  ink.unmount();
  await inkExited;
  for (const signal of signals) process.off(signal, onSignal);
  restore();
  stdin.pause();
  process.off('exit', restore);
  if (failure) throw failure.error;
  return 0;
}
