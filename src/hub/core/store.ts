/**
 * The hub's durable state, in SQLite (WAL): shared access policies, device identities, queued C2D messages,
 * feedback records not yet taken by a reader, and the C2D subscriptions of MQTT sessions that outlive their
 * connections (CleanSession 0). Everything else is rebuilt at start-up.
 *
 * WAL with `synchronous = NORMAL` survives a killed process (not a power cut), which is the promise: a hub
 * restart, even after SIGKILL, loses no queued message.
 *
 * Group commit: message and feedback writes are queued and committed together, in one transaction, when the
 * event loop turns (`setImmediate`). A commit costs far more than a row, so under load many messages share
 * one. Whoever must not answer before the data is on disk (accepting a C2D send) waits with `afterCommit`.
 * Identity and policy writes are rare and commit at once (after what is queued, keeping order).
 *
 * Storage faults (the disk full, the directory made read-only, an I/O error) never end the hub: a commit
 * that fails drops the new messages it held (their senders are told, see `afterCommit`), keeps every other
 * write (deletions, delivery counts, feedback) for the next attempt, and marks the store faulted. While it
 * is, new sends are refused with `fault()`'s sentence; `retry()` (every sweep) tries again, and the first
 * commit that succeeds clears the fault. At start, a directory or database that cannot be used is a
 * `StateDirError` naming it and saying what to do.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { FeedbackRecord } from '../../core/types.js';
import { systemClock } from './clock.js';
import type { Cancel, Clock } from './clock.js';
import { HubError } from './errors.js';
import type { DeviceIdentity, QueuedMessage, SharedAccessPolicy } from './model.js';
import { makeDirectory } from '../../core/make-directory.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policies (
  name TEXT PRIMARY KEY, primary_key TEXT NOT NULL, secondary_key TEXT NOT NULL, rights TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  doc TEXT NOT NULL,
  body BLOB NOT NULL,
  delivery_count INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_by_device ON messages (device_id, seq);
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mqtt_sessions (device_id TEXT PRIMARY KEY, qos INTEGER NOT NULL);
`;

/**
 * Migrations, in order: migration i takes a database at `user_version` i to i + 1. A state directory made by
 * an older iot-c2d is brought up to date when the hub opens it; never edit one that has shipped.
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 0 → 1: devices gained an authentication type and X.509 thumbprints; every older device used keys.
  (db) => {
    const rows = db.prepare<[], { id: string; doc: string }>('SELECT id, doc FROM devices').all();
    const put = db.prepare('UPDATE devices SET doc = ? WHERE id = ?');
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as Record<string, unknown>;
      put.run(JSON.stringify({ authType: 'sas', primaryThumbprint: null, secondaryThumbprint: null, ...doc }), row.id);
    }
  },
];

/** The `file` of a store kept in memory. */
const MEMORY = ':memory:';

/** Refuses a database from a newer iot-c2d before anything touches it. */
function tooNew(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StateDirError(
      `${file} was written by a newer iot-c2d (schema ${version}; this one reads up to ${MIGRATIONS.length}): upgrade iot-c2d, or give another --state-dir.`,
    );
  }
}

function migrate(db: Database.Database, file: string): void {
  tooNew(db, file);
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      (MIGRATIONS[v] as (db: Database.Database) => void)(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The state directory or its database cannot be used: the sentence names it and what to do. */
export class StateDirError extends Error {
  override name = 'StateDirError';
}

/** A write that failed because of the storage, not of the data: the disk, the file system, the database file. */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|BUSY|LOCKED)|E(NOSPC|ROFS|ACCES|PERM|IO|FBIG|DQUOT|NOENT|NOTDIR))/.test(code);
}

/** What a storage error means for `dir`, in one sentence that says what to do. */
export function storageProblem(err: unknown, dir: string): string {
  const code = String((err as { code?: unknown }).code ?? '');
  if (/SQLITE_FULL|ENOSPC|EDQUOT|EFBIG|SQLITE_IOERR_WRITE/.test(code)) return `the state directory ${dir} is full (${code}): free some space there`;
  if (/SQLITE_READONLY|EROFS|EACCES|EPERM|SQLITE_PERM|SQLITE_CANTOPEN/.test(code)) return `the state directory ${dir} cannot be written (${code}): make it writable`;
  if (/ENOENT|ENOTDIR/.test(code)) return `the state directory ${dir} cannot be created (${code}: ${(err as { path?: string }).path ?? dir} cannot be made there): check the path`;
  if (/SQLITE_CORRUPT|SQLITE_NOTADB/.test(code)) return `${join(dir, 'hub.db')} is damaged (${code}): move it aside (its queued messages are lost)`;
  return `the state directory ${dir} cannot be written (${code || (err as Error).message}): check its disk`;
}

interface QueuedWrite {
  run: () => void;
  /** A new message: dropped, not retried, when its commit fails (its sender is refused). */
  insert?: boolean;
}

/** The message fields kept in the `doc` column. */
type MessageDoc = Omit<QueuedMessage, 'seq' | 'deviceId' | 'body' | 'deliveryCount'>;

export interface StoredFeedback {
  id: number;
  createdMs: number;
  record: FeedbackRecord;
}

export class HubStore {
  private readonly db: Database.Database;
  private readonly stmt;
  /** Runs a group commit's writes in one transaction (made once: better-sqlite3 builds four wrappers per `transaction`). */
  private readonly runWrites: (writes: QueuedWrite[]) => void;
  private queued: QueuedWrite[] = [];
  private committed: Array<(err?: Error) => void> = [];
  private scheduled: Cancel | undefined;
  private nextSeq: number;
  private nextFeedbackId: number;
  private faulted: string | undefined;

  /**
   * Opens (or makes) `hub.db` in `dir`; `file` `:memory:` keeps everything in memory instead (the core's
   * tests, see `inMemory`). The clock runs the group commit.
   */
  constructor(
    private readonly dir: string,
    private readonly clock: Clock = systemClock,
    file = join(dir, 'hub.db'),
  ) {
    let opened: Database.Database | undefined;
    try {
      if (file !== MEMORY) makeDirectory(dir);
      opened = new Database(file);
      opened.pragma('busy_timeout = 5000');
      tooNew(opened, file);
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = NORMAL');
      opened.exec(SCHEMA);
      migrate(opened, file);
    } catch (err) {
      opened?.close();
      if (err instanceof StateDirError || !isStorageError(err)) throw err;
      const problem = storageProblem(err, dir);
      throw new StateDirError(`${problem[0]?.toUpperCase()}${problem.slice(1)}, or give another --state-dir.`);
    }
    this.db = opened;
    const db = this.db;
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      policies: db.prepare<[], { name: string; primary_key: string; secondary_key: string; rights: string }>('SELECT * FROM policies'),
      putPolicy: db.prepare('INSERT OR REPLACE INTO policies (name, primary_key, secondary_key, rights) VALUES (?, ?, ?, ?)'),
      devices: db.prepare<[], { doc: string }>('SELECT doc FROM devices ORDER BY id'),
      putDevice: db.prepare('INSERT OR REPLACE INTO devices (id, doc) VALUES (?, ?)'),
      deleteDevice: db.prepare('DELETE FROM devices WHERE id = ?'),
      messages: db.prepare<[], { seq: number; device_id: string; doc: string; body: Buffer; delivery_count: number }>(
        'SELECT seq, device_id, doc, body, delivery_count FROM messages ORDER BY seq',
      ),
      insertMessage: db.prepare('INSERT INTO messages (seq, device_id, doc, body) VALUES (?, ?, ?, ?)'),
      deleteMessage: db.prepare('DELETE FROM messages WHERE seq = ?'),
      deleteMessagesOf: db.prepare('DELETE FROM messages WHERE device_id = ?'),
      setDeliveryCount: db.prepare('UPDATE messages SET delivery_count = ? WHERE seq = ?'),
      feedback: db.prepare<[], { id: number; created_ms: number; record: string }>('SELECT id, created_ms, record FROM feedback ORDER BY id'),
      insertFeedback: db.prepare('INSERT INTO feedback (id, created_ms, record) VALUES (?, ?, ?)'),
      maxSeq: db.prepare<[], { n: number | null }>("SELECT max(seq) AS n FROM (SELECT seq FROM messages UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'messages')"),
      maxFeedbackId: db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM feedback'),
      deleteFeedback: db.prepare('DELETE FROM feedback WHERE id = ?'),
      mqttSessions: db.prepare<[], { device_id: string; qos: number }>('SELECT device_id, qos FROM mqtt_sessions ORDER BY device_id'),
      putMqttSession: db.prepare('INSERT OR REPLACE INTO mqtt_sessions (device_id, qos) VALUES (?, ?)'),
      deleteMqttSession: db.prepare('DELETE FROM mqtt_sessions WHERE device_id = ?'),
    };
    this.runWrites = db.transaction((writes: QueuedWrite[]) => {
      for (const write of writes) write.run();
    });
    this.nextSeq = (this.stmt.maxSeq.get()?.n ?? 0) + 1;
    this.nextFeedbackId = (this.stmt.maxFeedbackId.get()?.n ?? 0) + 1;
  }

  /** A store that lives in memory only, for tests of the core: nothing reaches a disk. */
  static inMemory(clock: Clock = systemClock): HubStore {
    return new HubStore('(memory)', clock, MEMORY);
  }

  /**
   * Calls `fn` once every write queued so far is committed (at once if none is waiting), or with the error
   * of the commit that failed: then the new messages queued with it are not stored.
   */
  afterCommit(fn: (err?: Error) => void): void {
    if (this.queued.length === 0) fn();
    else this.committed.push(fn);
  }

  /** Why the store cannot take new messages now (a storage fault), or undefined when it can. */
  fault(): string | undefined {
    return this.faulted;
  }

  /** Commits what is queued, now. A storage fault is kept (see `fault()`), never thrown. */
  commit(): void {
    this.scheduled?.();
    this.scheduled = undefined;
    const writes = this.queued;
    const callbacks = this.committed;
    this.queued = [];
    this.committed = [];
    if (writes.length > 0) {
      try {
        this.runWrites(writes);
        this.faulted = undefined;
      } catch (err) {
        if (!isStorageError(err)) throw err;
        this.faulted = storageProblem(err, this.dir);
        // Keep what must not be forgotten (deletions, delivery counts, feedback) for the next attempt.
        this.queued = [...writes.filter((w) => !w.insert), ...this.queued];
        const error = new Error(this.faulted);
        for (const callback of callbacks) callback(error);
        return;
      }
    }
    for (const callback of callbacks) callback();
  }

  /** After a fault: tries again what is waiting (or a tiny write), and clears the fault when it is stored. */
  retry(): void {
    if (this.faulted === undefined) return;
    if (this.queued.length === 0) this.queued.push({ run: () => this.stmt.setMeta.run('checked', new Date(this.clock.now()).toISOString()) });
    this.commit();
  }

  private queue(write: () => void, insert = false): void {
    this.queued.push({ run: write, insert });
    this.scheduled ??= this.clock.soon(() => this.commit());
  }

  /** A rare write that commits at once, after what is queued; a storage fault is thrown as a StateDirError. */
  private now(write: () => void): void {
    this.commit();
    try {
      this.db.transaction(write)();
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.faulted = storageProblem(err, this.dir);
      throw new HubError('StorageUnavailable', `The hub cannot store this change: ${this.faulted}.`);
    }
  }

  getMeta(key: string): string | undefined {
    return this.stmt.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.now(() => this.stmt.setMeta.run(key, value));
  }

  policies(): SharedAccessPolicy[] {
    return this.stmt.policies.all().map((row) => ({
      name: row.name,
      primaryKey: row.primary_key,
      secondaryKey: row.secondary_key,
      rights: JSON.parse(row.rights) as SharedAccessPolicy['rights'],
    }));
  }

  putPolicy(policy: SharedAccessPolicy): void {
    this.now(() => this.stmt.putPolicy.run(policy.name, policy.primaryKey, policy.secondaryKey, JSON.stringify(policy.rights)));
  }

  devices(): DeviceIdentity[] {
    return this.stmt.devices.all().map((row) => JSON.parse(row.doc) as DeviceIdentity);
  }

  putDevice(device: DeviceIdentity): void {
    this.now(() => this.stmt.putDevice.run(device.deviceId, JSON.stringify(device)));
  }

  deleteDevice(deviceId: string): void {
    this.now(() => {
      this.stmt.deleteDevice.run(deviceId);
      this.stmt.deleteMessagesOf.run(deviceId);
      this.stmt.deleteMqttSession.run(deviceId);
    });
  }

  /** The devices whose MQTT session holds the C2D subscription, with its QoS. */
  mqttSessions(): Array<{ deviceId: string; qos: number }> {
    return this.stmt.mqttSessions.all().map((row) => ({ deviceId: row.device_id, qos: row.qos }));
  }

  /** Keeps (a QoS) or forgets (undefined) the C2D subscription of a device's MQTT session. */
  putMqttSession(deviceId: string, qos: number | undefined): void {
    this.now(() => (qos === undefined ? this.stmt.deleteMqttSession.run(deviceId) : this.stmt.putMqttSession.run(deviceId, qos)));
  }

  messages(): QueuedMessage[] {
    return this.stmt.messages.all().map((row) => ({
      ...(JSON.parse(row.doc) as MessageDoc),
      seq: row.seq,
      deviceId: row.device_id,
      body: row.body,
      deliveryCount: row.delivery_count,
    }));
  }

  /** Queues a new message and returns its sequence number (its `seq` and `deliveryCount` are not read). */
  insertMessage(message: Omit<QueuedMessage, 'seq' | 'deliveryCount'> & Partial<Pick<QueuedMessage, 'seq' | 'deliveryCount'>>): number {
    const seq = this.nextSeq++;
    // Encoded when committed, after the message has gone out to a connected device.
    this.queue(() => {
      const { deviceId, body, seq: _seq, deliveryCount: _count, ...doc } = message;
      this.stmt.insertMessage.run(seq, deviceId, JSON.stringify(doc satisfies MessageDoc), body);
    }, true);
    return seq;
  }

  deleteMessage(seq: number): void {
    this.queue(() => this.stmt.deleteMessage.run(seq));
  }

  setDeliveryCount(seq: number, count: number): void {
    this.queue(() => this.stmt.setDeliveryCount.run(count, seq));
  }

  feedback(): StoredFeedback[] {
    return this.stmt.feedback.all().map((row) => ({ id: row.id, createdMs: row.created_ms, record: JSON.parse(row.record) as FeedbackRecord }));
  }

  insertFeedback(record: FeedbackRecord, createdMs: number): number {
    const id = this.nextFeedbackId++;
    const json = JSON.stringify(record);
    this.queue(() => this.stmt.insertFeedback.run(id, createdMs, json));
    return id;
  }

  deleteFeedback(ids: readonly number[]): void {
    this.queue(() => {
      for (const id of ids) this.stmt.deleteFeedback.run(id);
    });
  }

  close(): void {
    this.commit();
    this.db.close();
  }
}

