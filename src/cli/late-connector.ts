/**
 * A TUI connector whose real one is made only after the first frame is drawn (`prepare`): the embedded hub
 * and the SDK clients take most of a cold start, and the screen should not wait for them. Until then the
 * header says the hub is starting; what needs the real connector waits for it.
 */
import type { TuiConnector } from '../tui/connector.js';

type Known = Pick<TuiConnector, 'hubLabel' | 'local' | 'transport' | 'feedback' | 'exportDir' | 'secretsDir'>;

export function lateConnector(known: Known, make: () => Promise<TuiConnector>): TuiConnector {
  let real: Promise<TuiConnector> | undefined;
  const get = (): Promise<TuiConnector> => (real ??= make());
  let ready: TuiConnector | undefined;
  const hubWatchers: Array<(hubLabel: string) => void> = [];
  return {
    get hubLabel() {
      return ready?.hubLabel ?? known.hubLabel;
    },
    local: known.local,
    transport: known.transport,
    feedback: known.feedback,
    exportDir: known.exportDir,
    secretsDir: known.secretsDir,
    get serviceConnectionString() {
      return ready?.serviceConnectionString;
    },
    get deviceConnectionString() {
      return ready?.deviceConnectionString;
    },
    get caPath() {
      return ready?.caPath;
    },
    prepare: async () => {
      ready = await get();
      for (const listener of hubWatchers.splice(0)) ready.watchHub?.(listener);
    },
    // A hub another process runs: its label changes when that process goes away; listen once it is known.
    watchHub: (listener) => {
      if (ready) ready.watchHub?.(listener);
      else hubWatchers.push(listener);
    },
    openService: async (cs) => (await get()).openService(cs),
    openDevice: async (cs, transport, autoComplete, x509) => (await get()).openDevice(cs, transport, autoComplete, x509),
    // Quitting before the hub is up still stops it once it is; a hub that never started needs nothing.
    shutdown: async () => {
      if (!real) return;
      const connector = await real.catch(() => undefined);
      await connector?.shutdown();
    },
  };
}
