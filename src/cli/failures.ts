/**
 * Runtime failures in the words of the command line: a device that does not exist is "not found" with the
 * command that creates it; anything else keeps the client's own sentence (src/clients/errors.ts).
 */
import { ClientError } from '../clients/errors.js';

export function notFound(deviceId: string): Error {
  return new Error(`Device '${deviceId}' not found on this hub: iot-c2d device create ${deviceId} creates it, iot-c2d device list shows the others.`);
}

/** The error to end the command with, one sentence. */
export function explainFailure(err: unknown, deviceId?: string): Error {
  if (err instanceof ClientError && err.kind === 'device-not-found' && deviceId !== undefined) return notFound(deviceId);
  return err instanceof Error ? err : new Error(String(err));
}
