/** Renders the whole TUI with ink-testing-library against fakes, with keys and wait-for-screen helpers. */
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import type { TuiConnector } from '../../src/tui/connector.js';
import { Controller } from '../../src/tui/controller.js';
import { initialState } from '../../src/tui/state/reducer.js';
import { Store } from '../../src/tui/state/store.js';
import { waitFor } from '../helpers/wait.js';

export interface Harness {
  controller: Controller;
  store: Store;
  frame(): string;
  /** Writes one key (or one pasted string), then waits for Ink to have handled it. */
  press(key: string): Promise<void>;
  /** Types text one character at a time. */
  type(text: string): Promise<void>;
  /** Waits until the screen contains `text` (or matches), returns the screen. */
  screen(text: string | RegExp, timeoutMs?: number): Promise<string>;
  quit(): Promise<void>;
}

export async function startApp(connector: TuiConnector, options: { queuePollMs?: number; size?: { columns: number; rows: number } } = {}): Promise<Harness> {
  const store = new Store(initialState({ hubLabel: connector.hubLabel, local: connector.local, transport: connector.transport, feedbackEnabled: connector.feedback }));
  const controller = new Controller(store, connector, { queuePollMs: options.queuePollMs ?? 60_000 });
  const ui = render(<App controller={controller} />);
  const frame = (): string => ui.lastFrame() ?? '';
  if (options.size) {
    // ink-testing-library's stdout is 100 columns with no rows: give it a terminal's size, as a resize would.
    for (const [key, value] of Object.entries(options.size)) Object.defineProperty(ui.stdout, key, { value, configurable: true });
    ui.stdout.emit('resize');
  }
  await controller.start();
  await waitFor(() => frame().includes('1 Device'), 5000, 'the first frame');
  // useInput subscribes in an effect: let it run before the first key.
  await new Promise((r) => setImmediate(r));
  // Ink handles a key synchronously, except a lone esc, which it emits on the next setImmediate.
  const settle = async (): Promise<void> => {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  };
  const harness: Harness = {
    controller,
    store,
    frame,
    press: async (key) => {
      ui.stdin.write(key);
      await settle();
    },
    type: async (text) => {
      for (const ch of text) {
        ui.stdin.write(ch);
        await settle();
      }
    },
    screen: async (text, timeoutMs = 3000) => {
      const matches = (s: string): boolean => (typeof text === 'string' ? s.includes(text) : text.test(s));
      try {
        return await waitFor(() => (matches(frame()) ? frame() : undefined), timeoutMs, `screen to show ${String(text)}`);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- screen ---\n${frame()}`);
      }
    },
    quit: async () => {
      await controller.quit();
      ui.unmount();
    },
  };
  return harness;
}
