/**
 * Claims-based security on `$cbs`, as IoT Hub answers it: a `put-token` request carries a SAS token; the
 * reply goes to the request's `reply-to` with `correlation-id` = the request's `message-id` (of whatever
 * AMQP type it came), `status-code` as an AMQP int (uAMQP and the C SDK refuse a uint) and
 * `status-description` as a string.
 */
import type { Message } from 'rhea';
import rhea from 'rhea';
import type { Grant } from '../core/auth.js';
import type { HubCore } from '../core/hub-core.js';

export const CBS_ADDRESS = '$cbs';

/** The reply to a `$cbs` request. */
export function cbsReply(request: Message, status: number, description: string): Message {
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
export function putToken(core: HubCore, request: Message): { status: number; description: string; grant?: Grant } {
  const operation = request.application_properties?.operation as unknown;
  if (operation !== 'put-token') return { status: 400, description: `Unsupported $cbs operation "${String(operation)}".` };
  const result = core.authenticate({ token: typeof request.body === 'string' ? request.body : '' });
  if (!result.ok) return { status: 401, description: result.reason };
  return { status: 200, description: 'OK', grant: result.grant };
}
