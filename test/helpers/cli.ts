/**
 * The built `iot-c2d` (dist/cli/main.js) as a child process. `npm test` builds first; `npx vitest run
 * test/cli` needs `npm run build`.
 *
 * * `execCli` (to its end), `startCli` (wait for what it prints), `runInTerminal` (in a pty): children get a
 *   clean environment: no IOTHUB_* variables, no NODE_EXTRA_CA_CERTS, and XDG_STATE_HOME in a temporary
 *   directory, so that no test ever finds (or needs) a hub in the user's own state directory; XDG_CACHE_HOME
 *   too, so that the code cache (src/cli/code-cache.ts) is not written to the user's.
 * * `runCli` + `waitForLine`: the child with the test's own environment plus `env`.
 */
import { spawn } from 'node:child_process';
import pty from 'node-pty';
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** What the child reads on stdin; default: nothing (stdin is /dev/null). */
  stdin?: string;
}

const emptyStateHome = mkdtempSync(join(tmpdir(), 'iot-c2d-cli-xdg-'));
const cacheHome = mkdtempSync(join(tmpdir(), 'iot-c2d-cli-cache-'));

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: emptyStateHome, XDG_CACHE_HOME: cacheHome };
  for (const key of Object.keys(env)) if (key.startsWith('IOTHUB_') || key === 'NODE_EXTRA_CA_CERTS' || key === 'NODE_OPTIONS') delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A running `iot-c2d`, with what it printed so far. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<CliResult>;

  constructor(args: string[], options: CliOptions = {}) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does).`);
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: childEnv(options.env),
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) this.child.stdin?.end(options.stdin);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    running.add(this);
    this.exited = new Promise((resolveExit) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        resolveExit({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Waits until stdout (or stderr) matches; fails with what was printed so far. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 10_000): Promise<RegExpMatchArray> {
    try {
      return await waitFor(() => pattern.exec(this[stream]) ?? undefined, timeoutMs, `${pattern} on ${stream}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`);
    }
  }

  /** Parsed --json lines of stdout so far. */
  json(): Array<Record<string, unknown>> {
    return jsonLines(this.stdout);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function startCli(args: string[], options?: CliOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs `iot-c2d args...` to its end. */
export function execCli(args: string[], options?: CliOptions): Promise<CliResult> {
  return new CliProcess(args, options).exited;
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `--hub <service cs> --ca <file>` for a hub. */
export function hubArgs(hub: { serviceConnectionString(): string; caPath: string }): string[] {
  return ['--hub', hub.serviceConnectionString(), '--ca', hub.caPath];
}

/** `--device <device cs> --ca <file>` for one of a hub's devices. */
export function deviceArgs(hub: { deviceConnectionString(id: string): string; caPath: string }, deviceId: string): string[] {
  return ['--device', hub.deviceConnectionString(deviceId), '--ca', hub.caPath];
}

const running = new Set<CliProcess>();

/** Kills the children a test left running (a failed test's receivers): call it in afterEach. */
export async function killStarted(): Promise<void> {
  const left = [...running];
  running.clear();
  for (const p of left) p.child.kill('SIGKILL');
  await Promise.all(left.map((p) => p.exited));
}

/** Polls an async condition every 20 ms until it holds; fails after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `iot-c2d args...` in a pseudo-terminal (stdout is a TTY), to its end; stdout and stderr interleaved. */
export function runInTerminal(args: string[], options: Pick<CliOptions, 'env'> = {}): Promise<{ code: number; output: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does).`);
  const term = pty.spawn(process.execPath, [CLI, ...args], { cols: 200, rows: 50, env: childEnv(options.env) as Record<string, string> });
  let output = '';
  term.onData((data) => (output += data));
  return new Promise((resolveExit) => term.onExit(({ exitCode }) => resolveExit({ code: exitCode, output })));
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until stdout has a complete line matching `pattern`. */
export async function waitForLine(running: Running, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = running.stdout().split('\n').slice(0, -1).find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`No line matching ${pattern} within ${timeoutMs} ms. stdout: ${running.stdout()} stderr: ${running.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
