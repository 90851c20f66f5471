/**
 * Which devices have a live connection, and how to end it: for the registry's connectionState, and to
 * disconnect a device that is deleted or disabled, as IoT Hub does.
 */
export class Presence {
  private readonly sessions = new Map<string, Set<() => void>>();

  /** Registers a live connection; the returned function unregisters it. */
  add(deviceId: string, close: () => void): () => void {
    let set = this.sessions.get(deviceId);
    if (!set) {
      set = new Set();
      this.sessions.set(deviceId, set);
    }
    set.add(close);
    return () => {
      set.delete(close);
      if (set.size === 0 && this.sessions.get(deviceId) === set) this.sessions.delete(deviceId);
    };
  }

  isConnected(deviceId: string): boolean {
    return (this.sessions.get(deviceId)?.size ?? 0) > 0;
  }

  /** Ends every connection of the device. */
  disconnect(deviceId: string): void {
    for (const close of [...(this.sessions.get(deviceId) ?? [])]) close();
  }
}
