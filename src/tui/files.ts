/**
 * The two files the TUI writes: the export of this run's sends and feedback as JSON Lines (the records of
 * clients/records.ts, as the command line prints them), and the connection strings in full, as shell
 * exports, in a file only the user can read (mode 0600); and the ones it reads: a payload from a file, an
 * X.509 device's certificate and key. Each returns what to show the user (never a key's contents).
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { LIMITS } from '../core/types.js';
import { feedbackLine, sentLine } from '../clients/records.js';
import { envFileText } from '../core/env-file.js';
import { errorText } from './errors.js';
import type { FeedbackRow, Notice, Overlay } from './state/types.js';
import { makeDirectory } from '../core/make-directory.js';

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
  const text = envFileText({
    IOTHUB_CONNECTION_STRING: strings.service,
    IOTHUB_DEVICE_CONNECTION_STRING: strings.device,
    NODE_EXTRA_CA_CERTS: strings.caPath,
  });
  const path = join(dir, 'iot-c2d-connection.env');
  try {
    if (text === '') throw new Error('No connection string to write yet.');
    makeDirectory(dir, 0o700);
    writeFileSync(path, text, { mode: 0o600 });
    chmodSync(path, 0o600);
    return { kind: 'connection', written: path };
  } catch (err) {
    return { kind: 'connection', error: errorText(err) };
  }
}

/** `path` as typed: `~` and `~/…` are in the home directory, relative paths are relative to `dir`. */
export function expandPath(path: string, dir: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(dir, path);
}

/** A payload read from `path` (`~/` and paths relative to `dir` allowed): UTF-8 text, at most 64 KB. */
export function readPayloadFile(path: string, dir: string): { text: string; path: string } | { error: string } {
  const full = expandPath(path, dir);
  try {
    const size = statSync(full).size;
    if (size > LIMITS.messageBytes) return { error: `${full} is ${size} bytes: a C2D message holds at most ${LIMITS.messageBytes} (64 KB).` };
    const bytes = readFileSync(full);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) return { error: `${full} is not UTF-8 text: send binary payloads with iot-c2d send --file.` };
    return { text, path: full };
  } catch (err) {
    return { error: `Cannot read ${full}: ${errorText(err)}` };
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * An X.509 device's certificate (`what: 'certificate'`) or private key, PEM, read from `path` as typed. The
 * error names the file and what is wrong in one line; a key's contents are never in it.
 */
export function readPemFile(path: string, dir: string, what: 'certificate' | 'key'): { pem: string; path: string } | { error: string } {
  if (path === '') return { error: `Give the path of the device's ${what === 'key' ? 'private key' : 'certificate'} (a PEM file).` };
  const full = expandPath(path, dir);
  let pem: string;
  try {
    pem = readFileSync(full, 'utf8');
  } catch (err) {
    return { error: `Cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? errorText(err)}.` };
  }
  if (!(what === 'key' ? PEM_KEY : PEM_CERTIFICATE).test(pem)) {
    return { error: `${full} is not a PEM ${what === 'key' ? 'private key (-----BEGIN PRIVATE KEY-----)' : 'certificate (-----BEGIN CERTIFICATE-----)'}.` };
  }
  return { pem, path: full };
}
