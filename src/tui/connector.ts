/**
 * What the TUI needs from the outside world, given to it by `iot-c2d tui` (src/cli/commands/tui.ts): how to
 * open each side from a connection string, and what to say about the hub. The TUI itself never imports an
 * SDK, the hub or the CLI; component tests hand it fakes of these interfaces.
 */
import type { DeviceSide, RegistrySide, ServiceSide } from '../clients/types.js';
import type { DeviceTransport } from '../core/types.js';

/** A device side whose settle mode can change while connected (DeviceClient has this). */
export interface TuiDevice extends DeviceSide {
  setAutoComplete(on: boolean): void;
}

/** An X.509 device's certificate and private key, PEM (for a connection string with `x509=true`). Never shown. */
export interface DeviceCertificate {
  cert: string;
  key: string;
}

export interface TuiConnector {
  /** Shown in the header: `local localhost:8883` (with whose it is when shared), or the hub's host name. */
  hubLabel: string;
  /** The embedded hub (or one on our own state directory): nobody else reads its feedback queue. */
  local: boolean;
  /** Initial connection strings; either may be missing (the pane then asks for one) or malformed. */
  serviceConnectionString?: string;
  deviceConnectionString?: string;
  transport: DeviceTransport;
  /** False with --no-feedback: leave the hub's feedback queue to another reader. */
  feedback: boolean;
  /** The CA file clients must trust, when there is one (shown in the connection overlay). */
  caPath?: string;
  /** Where exports go (the working directory). */
  exportDir: string;
  /** Where a file with unmasked connection strings goes (mode 0600): a private directory. */
  secretsDir: string;
  openService(connectionString: string): Promise<{ service: ServiceSide; registry: RegistrySide }>;
  /** `x509`: the certificate and key of a device whose string has `x509=true`. */
  openDevice(connectionString: string, transport: DeviceTransport, autoComplete: boolean, x509?: DeviceCertificate): Promise<TuiDevice>;
  /**
   * For a hub another process runs (shared): calls `listener` with a new header label when that process
   * goes away. Absent otherwise.
   */
  watchHub?(listener: (hubLabel: string) => void): void;
  /** Stops what the connector started (the embedded hub). Called once, after the clients are closed. */
  shutdown(): Promise<void>;
  /**
   * When present, called once the first frame is drawn: the connector then starts what is slow (the
   * embedded hub, the SDKs) and resolves when hubLabel and the connection strings are final. Until then
   * both sides show "connecting". A rejection ends the TUI with that error.
   */
  prepare?(): Promise<void>;
}
