/**
 * SDK errors in plain words: one sentence naming what failed and what to do, never a stack trace. The SDK's
 * error classes are recognised by name, and the AMQP condition or HTTP status underneath when it has one.
 */
import { redactConnectionString } from '../core/connection-string.js';

export type ClientErrorKind =
  | 'certificate'
  | 'unreachable'
  | 'unauthorized'
  | 'device-not-found'
  | 'device-exists'
  | 'queue-full'
  | 'too-large'
  | 'invalid'
  | 'timeout'
  | 'unsupported'
  | 'disconnected'
  | 'other';

export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    /** The SDK's own error, for whoever needs its class (tests, --verbose). */
    override readonly cause?: unknown,
  ) {
    // An SDK's message could quote a connection string or a token: never let a key through.
    super(redactConnectionString(message));
  }
}

const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** A socket-level failure (DNS, refused, TLS) while reaching `endpoint`. */
export function explainSocketError(err: Error & { code?: string }, endpoint: string, what: string): ClientError {
  const code = err.code ?? '';
  if (CERT_CODES.has(code) || /certificate/i.test(err.message)) {
    return new ClientError(
      'certificate',
      `The TLS certificate of ${endpoint} is not trusted (${err.message}): pass the hub's CA with --ca <file> (iot-c2d hub prints its path).`,
    );
  }
  if (code === 'ECONNREFUSED') return new ClientError('unreachable', `Nothing is listening at ${endpoint}: start the hub (iot-c2d hub) or fix the ${what}'s HostName.`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ClientError('unreachable', `The host of ${endpoint} cannot be resolved: check the ${what}'s HostName.`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new ClientError('disconnected', `${endpoint} closed the connection: is it an IoT hub (TLS on this port)?`);
  return new ClientError('unreachable', `Cannot reach ${endpoint}: ${err.message}.`);
}

interface SdkError extends Error {
  code?: string;
  amqpError?: { condition?: string; description?: string; message?: string; name?: string };
  responseBody?: string;
  response?: { statusCode?: number };
}

export interface ErrorContext {
  /** Which connection string the user should look at, e.g. "service connection string". */
  what: string;
  deviceId?: string;
  keyName?: string;
  /** The device authenticates with an X.509 certificate (`x509=true`), not a key. */
  x509?: boolean;
}

/** Turns whatever the SDK threw into a ClientError with one sentence. */
export function explain(err: unknown, context: ErrorContext): ClientError {
  if (err instanceof ClientError) return err;
  const result = classify(err, context);
  return new ClientError(result.kind, result.message, err);
}

/** azure-iot-device-mqtt's name for any failure of a client's first connection, a socket closed before the CONNACK too. */
const FIRST_CONNECTION = /Failure on first connection \(Not authorized\): (.*?)(?: error)?$/s;

function classify(err: unknown, context: ErrorContext): ClientError {
  const e = (err instanceof Error ? err : new Error(String(err))) as SdkError;
  // Judge such a failure by what it wraps: a hub that went away mid-connect did not refuse the key.
  const first = FIRST_CONNECTION.exec(e.message)?.[1];
  if (first !== undefined) {
    const code = /\b(E[A-Z_]{3,})\b/.exec(first)?.[1];
    return classify(Object.assign(new Error(first), code ? { code } : {}), context);
  }
  // The AMQP transports wrap the real error: 'AMQP Transport: Could not connect' with .amqpError inside.
  const inner = e.amqpError as (Error & { condition?: string }) | undefined;
  const named = (x: Error | undefined): string | undefined => (x?.name && x.name !== 'Error' ? x.name : x?.constructor?.name !== 'Object' ? x?.constructor?.name : undefined);
  const name = [named(e), named(inner)].find((n) => n && n !== 'Error') ?? 'Error';
  const condition = e.amqpError?.condition;
  const detail = e.amqpError?.description ?? e.amqpError?.message;
  const device = context.deviceId ? `device '${context.deviceId}'` : 'the device';
  const text = [e.message, e.amqpError?.message, detail].join(' ');

  if (name === 'UnauthorizedError' || condition === 'amqp:unauthorized-access' || e.response?.statusCode === 401 || /Not authorized|Bad username or password|Identifier rejected/.test(text)) {
    const who = context.keyName ? `policy "${context.keyName}"` : device;
    // The hub's own reason, when the SDK kept it (CBS status-description), rather than the SDK's wrapping.
    const reason = [detail, e.message].find((t) => t && !/^(AMQP Transport|mqtt\.js returned|Connection refused|Failure on first connection)/.test(t));
    const why = reason ? ` (${reason.replace(/\.$/, '')})` : '';
    if (context.x509) {
      return new ClientError('unauthorized', `The hub refused the certificate of ${who}${why}: check --cert/--key, and the device's registration (thumbprint, or a CA the hub trusts and CN = device id).`);
    }
    // The key may well be right: the device is gone or switched off (the hub says so over AMQP and HTTP).
    if (/is not registered on this hub/.test(reason ?? '')) {
      return new ClientError('unauthorized', `${capitalise(device)} is not registered on this hub (deleted?): create it (iot-c2d device create ${context.deviceId ?? '<id>'}) or check the id.`);
    }
    if (/ is disabled\b/.test(reason ?? '')) {
      return new ClientError('unauthorized', `${capitalise(device)} is disabled on this hub: set its status to enabled in the registry (az iot hub device-identity update --set status=enabled).`);
    }
    // The key was good but its policy lacks the right (the local hub says which): another key will not help.
    const right = /\b(?:does not grant|needs) (ServiceConnect|RegistryRead|RegistryWrite|DeviceConnect)\b/.exec(reason ?? '')?.[1];
    if (right && context.keyName) {
      return new ClientError('unauthorized', `Policy "${context.keyName}" does not have the ${right} permission this needs: use a policy that has it (iothubowner has every one) in the ${context.what}.`);
    }
    return new ClientError('unauthorized', `The hub refused the key of ${who}${why}: check SharedAccessKey in the ${context.what}.`);
  }
  // After the refusals: the hub's reason for refusing a device certificate may well say "certificate".
  if (/certificate|self.signed|unable to verify/i.test(text)) {
    return new ClientError('certificate', `The hub's TLS certificate is not trusted: pass the hub's CA with --ca <file> (iot-c2d hub prints its path).`);
  }
  if (name === 'DeviceNotFoundError' || condition === 'amqp:not-found') {
    return new ClientError('device-not-found', `${capitalise(device)} is not registered on this hub: create it (iot-c2d device create ${context.deviceId ?? '<id>'}) or check the id.`);
  }
  if (name === 'DeviceAlreadyExistsError') return new ClientError('device-exists', `${capitalise(device)} already exists on this hub.`);
  if (name === 'DeviceMaximumQueueDepthExceededError' || condition === 'amqp:resource-limit-exceeded') {
    return new ClientError('queue-full', `${capitalise(device)} already has 50 messages waiting (the IoT Hub queue limit): let it receive them, or purge its queue.`);
  }
  if (name === 'MessageTooLargeError' || condition === 'amqp:link:message-size-exceeded') {
    return new ClientError('too-large', 'The message is over 64 KB, the IoT Hub limit for C2D messages (payload plus properties): make it smaller.');
  }
  if (name === 'ArgumentError' || condition === 'com.microsoft:argument-error') {
    return new ClientError('invalid', `The hub refused the message: ${(detail ?? e.message).replace(/\.$/, '')}.`);
  }
  // The hub's own sentence for a failure on its side (e.g. it cannot store messages now).
  if (condition === 'amqp:internal-error' && detail) return new ClientError('other', `${detail.replace(/\.$/, '')}.`);
  if (name === 'NotImplementedError') return new ClientError('unsupported', `${e.message.replace(/\.$/, '')}.`);
  if (name === 'TimeoutError') return new ClientError('timeout', `The hub did not answer in time: ${e.message}.`);
  if (name === 'NotConnectedError' || /disconnected|ECONNRESET|socket hang up|closed|Unable to establish a connection/i.test(text)) {
    // The library's own words only when they add something ("rhea: connection disconnected" does not).
    const why = firstLine(e.message).replace(/^rhea:\s*/, '');
    return new ClientError('disconnected', /^(the )?(connection )?(disconnected|closed)$/i.test(why) || why === '' ? 'The connection to the hub was lost.' : `The connection to the hub was lost: ${why}.`);
  }
  if ('code' in e && typeof e.code === 'string' && /^E[A-Z]+/.test(e.code)) return explainSocketError(e as Error & { code: string }, 'the hub', context.what);
  return new ClientError('other', firstLine(e.message) || name);
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/\.$/, '');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
