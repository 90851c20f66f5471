/**
 * The messages between `iot-c2d tui` and the worker thread that runs its embedded hub (hub-worker.ts,
 * embedded-hub.ts). Types only: neither side loads the other's code through this file.
 */

/** What the worker is started with (its workerData). */
export interface HubWorkerOptions {
  stateDir: string;
  /** The port to ask for; when it is taken (and not 0) a free one is used instead. */
  port: number;
  /** The device to create when missing, and whose connection string to send back when this process starts the hub. */
  device: string;
}

/** The hub of this state directory, as the worker found or started it. */
export type HubWorkerReady =
  | {
      type: 'started';
      port: number;
      caPath: string;
      caPem: string;
      serviceConnectionString: string;
      deviceConnectionString: string;
    }
  | {
      /** Another process (an `iot-c2d hub`, another TUI) runs the hub: this one joins it. */
      type: 'joined';
      port: number;
      caPath: string;
      serviceConnectionString: string;
      /** The header's label for it (whose it is). */
      hubLabel: string;
    };

export type HubWorkerMessage =
  | HubWorkerReady
  /** The joined hub's process went away: what the header says now (taken over, or stopped). */
  | { type: 'hub-label'; hubLabel: string }
  /** The hub could not start: `code` is a HubStartError's code when it was one. One line, never a key. */
  | { type: 'failed'; code?: string; message: string };

/** From the TUI to the worker: stop the hub (once it is up, if it is still starting) and end. */
export type HubWorkerCommand = { type: 'stop' };
