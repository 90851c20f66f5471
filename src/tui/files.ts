/**
 * The two files the TUI writes: the export of this run's sends and feedback as JSON Lines (the records of
 * clients/records.ts, as the command line prints them), and the connection strings in full, as shell
 * exports, in a file only the user can read (mode 0600). Each returns what to show the user.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { feedbackLine, sentLine } from '../clients/records.js';
import { errorText } from './errors.js';
import type { FeedbackRow, Notice, Overlay } from './state/types.js';

/** Writes `iot-c2d-export-<time>.jsonl` into `dir`: a line per message sent in this run, a line per feedback record. */
export function exportJsonl(rows: Iterable<FeedbackRow>, dir: string): Notice {
  const lines: string[] = [];
  let sent = 0;
  let feedback = 0;
  for (const row of rows) {
    if (row.mine && row.message && row.result) {
      lines.push(JSON.stringify(sentLine(row.deviceId, row.message, row.result)));
      sent++;
    }
    if (row.record && row.recordReceivedMs !== undefined) {
      lines.push(JSON.stringify(feedbackLine(row.record, row.recordReceivedMs, row.result?.enqueuedMs)));
      feedback++;
    }
  }
  if (lines.length === 0) return { level: 'info', text: 'Nothing to export yet: send a message first.' };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `iot-c2d-export-${stamp}.jsonl`);
  try {
    writeFileSync(path, `${lines.join('\n')}\n`);
    return { level: 'info', text: `Exported ${sent} sent messages and ${feedback} feedback records to ${path}` };
  } catch (err) {
    return { level: 'error', text: `Could not write the export: ${errorText(err)}` };
  }
}

/** Writes `iot-c2d-connection.env` into `dir`, keys unmasked; the connection overlay says where, or why not. */
export function writeSecrets(dir: string, strings: { service?: string; device?: string; caPath?: string }): Overlay {
  const lines = [
    ...(strings.service ? [`export IOTHUB_CONNECTION_STRING='${strings.service}'`] : []),
    ...(strings.device ? [`export IOTHUB_DEVICE_CONNECTION_STRING='${strings.device}'`] : []),
    ...(strings.caPath ? [`export NODE_EXTRA_CA_CERTS='${strings.caPath}'`] : []),
  ];
  const path = join(dir, 'iot-c2d-connection.env');
  try {
    if (lines.length === 0) throw new Error('No connection string to write yet.');
    writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return { kind: 'connection', written: path };
  } catch (err) {
    return { kind: 'connection', error: errorText(err) };
  }
}
