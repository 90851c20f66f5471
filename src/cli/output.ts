/**
 * How the commands print: records on stdout (one JSON object per line with --json, human text otherwise),
 * notes and errors on stderr, keys masked on a terminal unless asked, and remote text made safe to print.
 */
import { redactConnectionString } from '../core/connection-string.js';
import { displayLines, displayText } from '../core/display-text.js';
import type { FeedbackRecord } from '../core/types.js';

/** A note for the person at the terminal: one line on stderr (remote text in it shown safely), never part of the --json stream. */
export function note(text: string): void {
  process.stderr.write(`iot-c2d: ${displayText(text)}\n`);
}

export class Output {
  constructor(readonly json: boolean) {}

  /**
   * One record: the JSON object with --json, else the human text. JSON.stringify escapes the C0 controls;
   * displayText escapes the rest (DEL, C1, bidi), which JSON reads back as the same characters.
   */
  record(json: object, text: () => string): void {
    process.stdout.write(this.json ? `${displayText(JSON.stringify(json))}\n` : `${text()}\n`);
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
 * A payload as text, for a human: UTF-8 when valid, else base64 (said so). Each line is made safe
 * (core/display-text.ts) and the lines after the first are indented by `indent` columns, so that a payload
 * can neither drive the terminal nor print a line that looks like one of ours (`Message 2 received ...`).
 */
export function payloadText(payload: Buffer, indent: number): string {
  const text = payload.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(payload)) return `${payload.toString('base64')} (binary, base64)`;
  return displayLines(text).join(`\n${' '.repeat(indent)}`);
}

/** Milliseconds as people read them. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** One feedback record as a sentence, with the time since the enqueue when this command sent the message. */
export function feedbackText(record: FeedbackRecord, latencyMs?: number): string {
  const description = record.description && record.description !== record.statusCode ? ` (${record.description})` : '';
  const when = latencyMs === undefined ? `, recorded at ${record.enqueuedTimeUtc}` : `, ${duration(latencyMs)} after the enqueue`;
  return displayText(`Feedback for message ${record.originalMessageId} on device ${record.deviceId}: ${record.statusCode}${description}${when}.`);
}

/**
 * A record this command took off the hub's single feedback queue but does not report on stdout: said on
 * stderr, so that it is not lost silently.
 */
export function elsewhereNote(record: FeedbackRecord, why: string): void {
  note(
    `feedback from elsewhere: message ${record.originalMessageId} on device ${record.deviceId}: ${record.statusCode} (${why}; it is now off the hub's feedback queue).`,
  );
}
