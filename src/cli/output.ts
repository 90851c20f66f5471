/**
 * How the commands print: records on stdout (one JSON object per line with --json, human text otherwise),
 * notes and errors on stderr, keys masked on a terminal unless asked, and remote text made safe to print.
 */
import { redactConnectionString } from '../core/connection-string.js';
import type { FeedbackRecord } from '../core/types.js';

/** A note for the person at the terminal: one line on stderr, never part of the --json stream. */
export function note(text: string): void {
  process.stderr.write(`iot-c2d: ${text}\n`);
}

export class Output {
  constructor(readonly json: boolean) {}

  /** One record: the JSON object with --json, else the human text. */
  record(json: object, text: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(json)}\n` : `${text()}\n`);
  }
}

/**
 * Keys are printed in full when asked (--show-keys) or when stdout is not a terminal (a script or a file
 * needs the real key); on a terminal they are masked.
 */
export function fullKeys(showKeys: boolean): boolean {
  return showKeys || !process.stdout.isTTY;
}

export function connectionStringForDisplay(connectionString: string, showKeys: boolean): string {
  return fullKeys(showKeys) ? connectionString : redactConnectionString(connectionString);
}

/**
 * Text that came from the network, made safe for a terminal: control characters other than newline and tab
 * (escape sequences above all) are shown as \u escapes instead of being interpreted.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A payload as text: UTF-8 when valid, else base64 (said so). */
export function payloadText(payload: Buffer): string {
  const text = payload.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(payload)) return printable(text);
  return `${payload.toString('base64')} (binary, base64)`;
}

/** Milliseconds as people read them. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** One feedback record as a sentence, with the time since the enqueue when this command sent the message. */
export function feedbackText(record: FeedbackRecord, latencyMs?: number): string {
  const description = record.description && record.description !== record.statusCode ? ` (${record.description})` : '';
  const when = latencyMs === undefined ? `, recorded at ${record.enqueuedTimeUtc}` : `, ${duration(latencyMs)} after the enqueue`;
  return `Feedback for message ${printable(record.originalMessageId)} on device ${printable(record.deviceId)}: ${record.statusCode}${description}${when}.`;
}

/**
 * A record this command took off the hub's single feedback queue but does not report on stdout: said on
 * stderr, so that it is not lost silently.
 */
export function elsewhereNote(record: FeedbackRecord, why: string): void {
  note(
    `feedback from elsewhere: message ${printable(record.originalMessageId)} on device ${printable(record.deviceId)}: ${record.statusCode} (${why}; it is now off the hub's feedback queue).`,
  );
}
