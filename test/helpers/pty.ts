/**
 * Runs the built `iot-c2d` in a real pseudo-terminal (node-pty) and reads its screen as a user sees it
 * (@xterm/headless). Keys are written one at a time; waits are for the screen to change, never fixed sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import xterm from '@xterm/headless';

const BSU = '\u001b[?2026h';
const ESU = '\u001b[?2026l';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface PtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Extra node flags (e.g. --cpu-prof for a benchmark). */
  nodeArgs?: string[];
  /** Another build's dist/cli/main.js (a benchmark's before/after); default: this tree's. */
  cli?: string;
}

/** The environment without anything that would point iot-c2d at another hub. */
/** The code cache (src/cli/code-cache.ts) of the CLIs these tests start: never the user's own. */
const cacheHome = mkdtempSync(join(tmpdir(), 'iot-c2d-pty-cache-'));
process.once('exit', () => rmSync(cacheHome, { recursive: true, force: true }));

export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, XDG_CACHE_HOME: cacheHome, ...extra })) {
    if (v === undefined || k.startsWith('IOTHUB_') || k === 'NODE_OPTIONS' || k.startsWith('VITEST')) continue;
    env[k] = v;
  }
  env.TERM = 'xterm-256color';
  // As on a CI runner: the TUI must draw live even then (Ink renders only at exit when CI is set).
  env.CI = 'true';
  return env;
}

export class PtyApp {
  readonly term: InstanceType<typeof xterm.Terminal>;
  readonly proc: pty.IPty;
  /** Everything the program wrote, raw. */
  output = '';
  readonly exited: Promise<{ exitCode: number; signal?: number }>;
  exitCode: number | undefined;
  /** How often waitFor looks at the screen. */
  pollMs = 15;
  /** The terminal has parsed the start of a frame but not yet its end. */
  private midFrame = false;

  constructor(args: string[], options: PtyOptions = {}) {
    const cols = options.cols ?? 100;
    const rows = options.rows ?? 30;
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
    this.proc = pty.spawn(process.execPath, [...(options.nodeArgs ?? []), options.cli ?? CLI, ...args], { name: 'xterm-256color', cols, rows, cwd: options.cwd ?? process.cwd(), env: options.env ?? cleanEnv() });
    this.proc.onData((data) => {
      this.output += data;
      // Ink wraps each frame in synchronized-output marks (BSU … ESU): a screen read inside one is half drawn.
      const begin = data.lastIndexOf(BSU);
      const end = data.lastIndexOf(ESU);
      const open = begin > end ? true : end > begin ? false : undefined;
      this.term.write(data, () => {
        if (open !== undefined) this.midFrame = open;
      });
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit((e) => {
        this.exitCode = e.exitCode;
        resolve(e);
      });
    });
  }

  /** The screen's text, one line per row, right-trimmed. */
  screen(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < this.term.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  /** The rows drawn in inverse video (the selection, the current tab), as text. */
  inverseRows(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < this.term.rows; i++) {
      const line = buffer.getLine(buffer.viewportY + i);
      if (!line) continue;
      let inverse = 0;
      for (let x = 0; x < this.term.cols; x++) if (line.getCell(x)?.isInverse()) inverse++;
      // Mostly inverse: a selected row, not a tab label or a key hint.
      if (inverse > this.term.cols / 2) out.push(line.translateToString(true));
    }
    return out;
  }

  /** Waits until the screen shows `what`; returns the screen. */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const matches = (s: string): boolean => (typeof what === 'string' ? s.includes(what) : typeof what === 'function' ? what(s) : what.test(s));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (!this.midFrame && matches(screen)) return screen;
      if (this.exitCode !== undefined) throw new Error(`iot-c2d exited (${this.exitCode}) before the screen showed ${String(what)}\n--- screen ---\n${screen}\n--- output tail ---\n${JSON.stringify(this.output.slice(-400))}`);
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for the screen to show ${String(what)}\n--- screen ---\n${screen}`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /**
   * Writes one key and waits until the screen changes (or nothing changes within `quietMs`). Keys written
   * before the program has read the previous one arrive together, as pasted text, so each waits for its
   * effect; a mere redraw of the same screen does not count.
   */
  async key(data: string, quietMs = 1000): Promise<void> {
    const before = this.screen();
    this.proc.write(data);
    const deadline = Date.now() + quietMs;
    while (this.screen() === before && Date.now() < deadline && this.exitCode === undefined) await new Promise((r) => setTimeout(r, 5));
  }

  /** Types text one key at a time, each one waited for. */
  async type(text: string): Promise<void> {
    for (const ch of text) await this.key(ch);
  }

  /** Was the terminal given back: main screen, cursor shown, alternate screen left after it was entered? */
  restored(): boolean {
    const leftAlt = this.output.lastIndexOf('\u001b[?1049l') > this.output.lastIndexOf('\u001b[?1049h');
    const cursorShown = this.output.lastIndexOf('\u001b[?25h') > this.output.lastIndexOf('\u001b[?25l');
    return leftAlt && cursorShown && this.term.buffer.active.type === 'normal';
  }

  kill(signal = 'SIGKILL'): void {
    if (this.exitCode === undefined) this.proc.kill(signal);
  }
}
