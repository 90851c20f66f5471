/**
 * Whether a hub runs on a state directory, decided by the kernel: the running hub listens on a Unix socket
 * named after the directory, and a listening socket exists only while its process lives (SIGKILL included,
 * zombie or not). Asking is connecting: the hub answers with one JSON line (pid, ports, start time; never a
 * key) and keeps the connection open, so a client that stays connected learns at once when the hub goes.
 * A pid alone cannot tell this: a dead hub's pid may belong to any process by now.
 *
 * Where the socket is: `<stateDir>/hub.sock`, inside the private state directory. A Unix socket path is
 * limited (108 bytes on Linux, 104 on macOS): for a deeper directory, Linux gets an abstract socket named
 * after the directory's real path (no file, released with the process), other systems a socket in the
 * temporary directory, named the same way.
 */
import { createHash } from 'node:crypto';
import { realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a running hub says about itself. */
export interface HubPresence {
  pid: number;
  /** Which program runs it: `iot-c2d hub`, or the hub a TUI started for itself (`iot-c2d tui`). */
  owner?: string;
  port: number;
  ports: number[];
  startedAt: string;
}

const FILE = 'hub.sock';
const MAX_SOCKET_PATH = 103;
const ANSWER_TIMEOUT_MS = 5000;

/** Where the hub of `stateDir` listens: a path, or (Linux, deep directories) an abstract name starting with \0. */
export function socketPath(stateDir: string): string {
  const path = join(stateDir, FILE);
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return path;
  let real = stateDir;
  try {
    real = realpathSync(stateDir);
  } catch {
    // Not there yet: the path as given names it.
  }
  const name = `iot-c2d-hub-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
  return process.platform === 'linux' ? `\0${name}` : join(tmpdir(), `${name}.sock`);
}

/** Connects to the hub of `stateDir`; resolves with the open socket and its answer, or undefined when none listens. */
export function connectPresence(stateDir: string): Promise<{ socket: Socket; presence: HubPresence } | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath(stateDir));
    let text = '';
    const done = (value: { socket: Socket; presence: HubPresence } | undefined): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      if (!value) socket.destroy();
      resolve(value);
    };
    // A process that accepts but never answers is no hub of ours.
    const timer = setTimeout(() => done(undefined), ANSWER_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end < 0) return;
      try {
        done({ socket, presence: JSON.parse(text.slice(0, end)) as HubPresence });
      } catch {
        done(undefined);
      }
    };
    socket.on('data', onData);
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
  });
}

/** The hub running on `stateDir`, if one answers. */
export async function askPresence(stateDir: string): Promise<HubPresence | undefined> {
  const answer = await connectPresence(stateDir);
  answer?.socket.destroy();
  return answer?.presence;
}

export interface PresenceServer {
  close(): void;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Claims `stateDir` for this process: listens on its socket and answers each connection with `presence()`.
 * Resolves with the running hub's presence instead when another live hub holds the directory. A socket file
 * left by a hub that died is taken over.
 */
export async function claimStateDir(stateDir: string, presence: () => HubPresence): Promise<PresenceServer | { running: HubPresence }> {
  const path = socketPath(stateDir);
  const clients = new Set<Socket>();
  const server = createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`${JSON.stringify(presence())}\n`);
  });
  server.unref();
  for (let attempt = 0; ; attempt++) {
    try {
      await listen(server, path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const running = await askPresence(stateDir);
      if (running) return { running };
      if (attempt > 0 || path.startsWith('\0')) throw err;
      // Nobody listens: the file is what a dead hub left behind.
      rmSync(path, { force: true });
    }
  }
  return {
    close: () => {
      for (const socket of clients) socket.destroy();
      server.close();
      if (!path.startsWith('\0')) rmSync(path, { force: true });
    },
  };
}
