/**
 * Claims-based security on `$cbs`, as IoT Hub answers it: a `put-token` request carries a SAS token; the
 * reply goes to the request's `reply-to` with `correlation-id` = the request's `message-id` (of whatever
 * AMQP type it came), `status-code` as an AMQP int (uAMQP and the C SDK refuse a uint) and
 * `status-description` as a string.
 *
 * And what a connection has proved (`ConnectionGrants`): the grant of each token it put (or of its SASL
 * PLAIN password, or of its client certificate), one per token resource, until it expires. A connection
 * that puts a device's token is that device's from then on (presence: deleting or disabling the device ends
 * it), and a connection whose links lose their authority (a token expired, not renewed) is ended.
 */
import type { Delivery, Message, Sender } from 'rhea';
import rhea from 'rhea';
import type { Grant } from '../core/auth.js';
import type { HubCore } from '../core/hub-core.js';

export const CBS_ADDRESS = '$cbs';

/** The reply to a `$cbs` request. */
function cbsReply(request: Message, status: number, description: string): Message {
  const reply: Message = {
    body: undefined,
    application_properties: { 'status-code': rhea.types.wrap_int(status), 'status-description': description },
  };
  if (request.reply_to !== undefined) reply.to = request.reply_to;
  // rhea decodes a uuid or a binary id as a Buffer and a ulong as a number, and encodes them back as uuid and
  // ulong; a string stays a string.
  const id = request.message_id as Message['correlation_id'] | null | undefined;
  if (id !== undefined && id !== null) reply.correlation_id = Buffer.isBuffer(id) && id.length !== 16 ? (rhea.types.wrap_binary(id) as never) : id;
  return reply;
}

/** Checks a `$cbs` request: the status and description to answer, and the grant to admit on success. */
function putToken(core: HubCore, request: Message): { status: number; description: string; grant?: Grant } {
  const operation = request.application_properties?.operation as unknown;
  if (operation !== 'put-token') return { status: 400, description: `Unsupported $cbs operation "${String(operation)}".` };
  const result = core.authenticate({ token: typeof request.body === 'string' ? request.body : '' });
  if (!result.ok) return { status: 401, description: result.reason };
  return { status: 200, description: 'OK', grant: result.grant };
}

/** The grants one AMQP connection holds, their expiry, and its `$cbs` replies. */
export class ConnectionGrants {
  /** By token resource: a new put-token for the same resource replaces the old one. */
  private readonly byResource = new Map<string, Grant>();
  /** Devices this connection has a token for, each registered as present; the value unregisters it. */
  private readonly devices = new Map<string, () => void>();
  private readonly replyLinks: Sender[] = [];
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly core: HubCore,
    /** `amqp#3`, for log lines. */
    private readonly label: string,
    /** Do the links the connection holds still have what they need, with these grants? */
    private readonly linksAuthorized: (nowMs: number) => boolean,
    /** Ends the connection (closes its socket: see `closeSocketOf` in server.ts). */
    private readonly end: () => void,
  ) {}

  /** The grants held now (some may have expired since the last check: the callers check the time). */
  values(): Iterable<Grant> {
    return this.byResource.values();
  }

  /** The connection holds `grant` (from a put-token, SASL PLAIN or a client certificate) until it expires. */
  admit(grant: Grant): void {
    this.byResource.set(grant.resource.toLowerCase(), grant);
    const deviceId = grant.deviceId;
    if (deviceId !== undefined && !this.devices.has(deviceId)) {
      // From its first token on, the connection is this device's: deleting or disabling the device ends it.
      this.devices.set(
        deviceId,
        this.core.connected(deviceId, () => {
          this.core.log(`${this.label}: device '${deviceId}' was deleted or disabled; closing its connection`);
          this.end();
        }),
      );
    }
    this.enforceExpiry();
  }

  /** A `$cbs` link the hub sends on: replies go out on the first one open. */
  addReplyLink(sender: Sender): void {
    this.replyLinks.push(sender);
  }

  /** Answers a request that came on `$cbs`, admitting its token's grant when it verifies. */
  answer(request: Message, delivery: Delivery | undefined): void {
    const { status, description, grant } = putToken(this.core, request);
    if (grant) this.admit(grant);
    else this.core.log(`${this.label}: $cbs request refused: ${description}`);
    this.replyLinks.find((s) => s.is_open())?.send(cbsReply(request, status, description));
    delivery?.accept();
  }

  /** The connection ended: no more expiry checks, no longer present for its devices. */
  close(): void {
    clearTimeout(this.expiryTimer);
    for (const leave of this.devices.values()) leave();
    this.devices.clear();
  }

  /** Drops expired grants; ends the connection if a link it holds lost its authority; checks again at the next expiry. */
  private enforceExpiry(): void {
    clearTimeout(this.expiryTimer);
    const now = Date.now();
    for (const [resource, grant] of this.byResource) if (grant.expiresAtMs <= now) this.byResource.delete(resource);
    if (!this.linksAuthorized(now)) {
      this.core.log(`${this.label}: token expired and was not renewed; closing the connection`);
      this.end();
      return;
    }
    const next = Math.min(...[...this.byResource.values()].map((g) => g.expiresAtMs));
    if (Number.isFinite(next)) {
      this.expiryTimer = setTimeout(() => this.enforceExpiry(), Math.min(next - now + 10, 2 ** 31 - 1));
      this.expiryTimer.unref();
    }
  }
}
