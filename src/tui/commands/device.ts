/** The Device pane's keys and their handlers: moving, opening and settling messages, and the device's connection. */
import { acknowledgesOnArrival } from '../../core/c2d-rules.js';
import { parseDeviceConnectionString } from '../../core/connection-string.js';
import { DEVICE_TRANSPORTS } from '../../core/types.js';
import { errorText } from '../errors.js';
import { A_MESSAGE, DEVICE_CONNECTED, DEVICE_ID, MANUAL_MODE, SERVICE, SETTLEABLE_MESSAGE, SETTLES_BY_HAND, selectedMessage } from '../keymap/availability.js';
import type { Binding } from '../keymap/bindings.js';
import type { LocalSettlement, MessageView } from '../state/types.js';
import { notice, openMenu, openPrompt } from './context.js';
import type { Act } from './context.js';
import { move } from './lists.js';

/** How a message is named in notices: its messageId, else its place in this run. */
function messageLabel(view: MessageView): string {
  return view.message.messageId ?? `#${view.uid}`;
}

/** c/r/a: settles the selected message through the connection that delivered it (the binding's needs checked the state). */
function settle(act: Act, how: 'complete' | 'reject' | 'abandon'): void {
  const device = act.connections.device;
  const view = selectedMessage(act.state);
  if (!device || !view) return;
  const done: LocalSettlement = how === 'complete' ? 'completed' : how === 'reject' ? 'rejected' : 'abandoned';
  device.settle(view.message.id, how).then(
    () => {
      act.dispatch({ type: 'settled', uid: view.uid, how: done });
      notice(act, 'info', `Message ${messageLabel(view)} ${done}.`);
    },
    (err: unknown) => notice(act, 'error', errorText(err)),
  );
}

function toggleSettleMode(act: Act): void {
  const mode = act.state.device.settleMode === 'auto' ? 'manual' : 'auto';
  act.dispatch({ type: 'device', patch: { settleMode: mode } });
  act.connections.device?.setAutoComplete(mode === 'auto');
  notice(
    act,
    'info',
    mode === 'auto'
      ? 'Auto-complete: each message is completed as it arrives.'
      : acknowledgesOnArrival(act.state.device.transport)
        ? 'Manual settle mode; but over MQTT the device acknowledges each message on arrival: switch transport (t) to amqp or http to settle by hand.'
        : 'Manual settle mode: c complete, r reject, a abandon the selected message.',
  );
}

function askPurge(act: Act): void {
  const id = act.state.device.id as string;
  const depth = act.state.device.queueDepth;
  const lost = depth === undefined ? 'Every message queued for it is lost' : `${depth} queued message${depth === 1 ? ' is' : 's are'} lost`;
  openMenu(act, 'purge', `Purge the C2D queue of ${id}? ${lost} (senders that asked for feedback get Purged).`, [
    { label: 'No, keep them', value: 'no' },
    { label: `Yes, purge ${id}'s queue`, value: 'yes' },
  ]);
}

/** Empties the device's C2D queue (after askPurge's yes). */
export async function purge(act: Act): Promise<void> {
  const id = act.state.device.id;
  if (!id) return;
  notice(act, 'info', `Purging the C2D queue of ${id}…`);
  try {
    const purged = await act.connections.purge(id);
    notice(act, 'info', `Purged ${purged} message${purged === 1 ? '' : 's'} from the C2D queue of ${id}.`);
  } catch (err) {
    notice(act, 'error', `Not purged: ${errorText(err)}`);
  }
}

/** d: the hub's devices to switch to, and "create a new one". */
async function offerDevices(act: Act): Promise<void> {
  notice(act, 'info', "Reading the hub's devices…");
  let ids: string[];
  try {
    ids = await act.connections.deviceIds();
  } catch (err) {
    return notice(act, 'error', `Cannot list the devices: ${errorText(err)}`);
  }
  act.dispatch({ type: 'notice', notice: undefined });
  const current = act.state.device.id;
  const shown = ids.slice(0, 8);
  const items = [...shown.map((id) => ({ label: id === current ? `${id} (now)` : id, value: id })), { label: 'Create a new device…', value: 'new' }];
  openMenu(act, 'device', 'Connect as which device?', items, Math.max(0, shown.indexOf(current ?? '')), ids.length > shown.length ? `${ids.length - shown.length} more: paste one's connection string with p.` : undefined);
}

/**
 * Connects as `deviceId` with the key the registry holds (`create` makes the device first); a device that
 * authenticates with a certificate is asked for its files first.
 */
export async function useDevice(act: Act, deviceId: string, create: boolean): Promise<void> {
  try {
    const cs = await act.connections.deviceConnectionString(deviceId, create);
    if (create) notice(act, 'info', `Created device ${deviceId}; connecting…`);
    if (parseDeviceConnectionString(cs).x509) return askCertificate(act, cs, deviceId);
    await act.connections.connectDevice(cs, act.state.device.transport);
  } catch (err) {
    notice(act, 'error', `${create ? 'Not created' : 'Cannot connect'}: ${errorText(err)}`);
  }
}

/** An X.509 device (`x509=true` in `connectionString`): its certificate file first, then its key (prompt.ts). */
export function askCertificate(act: Act, connectionString: string, deviceId: string): void {
  openPrompt(act, 'device-cert', '', { connectionString, deviceId });
}

function chooseTransport(act: Act): void {
  const now = act.state.device.transport;
  const items = DEVICE_TRANSPORTS.map((t) => ({ label: t === now ? `${t} (now)` : t, value: t }));
  openMenu(act, 'transport', 'Connect the device over', items, DEVICE_TRANSPORTS.indexOf(now));
}


export const DEVICE_BINDINGS: readonly Binding[] = [
  { id: 'up', keys: ['up', 'k'], scope: 'device', description: 'Select the previous message (stops following the tail)', hint: 'move', run: (act) => move(act, 'up') },
  { id: 'down', keys: ['down', 'j'], scope: 'device', description: 'Select the next message', run: (act) => move(act, 'down') },
  { id: 'page-up', keys: ['pgup'], scope: 'device', description: 'One page up', run: (act) => move(act, 'page-up') },
  { id: 'page-down', keys: ['pgdn'], scope: 'device', description: 'One page down', run: (act) => move(act, 'page-down') },
  { id: 'top', keys: ['g'], scope: 'device', description: 'First message', run: (act) => move(act, 'top') },
  { id: 'bottom', keys: ['G'], scope: 'device', description: 'Last message, and follow the tail again', hint: 'tail', run: (act) => move(act, 'bottom') },
  {
    id: 'open',
    keys: ['enter'],
    scope: 'device',
    description: 'Open the selected message: payload, system and custom properties',
    hint: 'open',
    needs: [A_MESSAGE],
    run: (act) => {
      const view = selectedMessage(act.state);
      if (view) act.dispatch({ type: 'overlay', overlay: { kind: 'details', uid: view.uid, scroll: 0 } });
    },
  },
  { id: 'complete', keys: ['c'], scope: 'device', description: 'Complete the selected message (manual settle mode)', hint: 'complete', needs: [DEVICE_CONNECTED, MANUAL_MODE, SETTLEABLE_MESSAGE], run: (act) => settle(act, 'complete') },
  { id: 'reject', keys: ['r'], scope: 'device', description: 'Reject the selected message (manual settle mode)', hint: 'reject', needs: [DEVICE_CONNECTED, SETTLES_BY_HAND, MANUAL_MODE, SETTLEABLE_MESSAGE], run: (act) => settle(act, 'reject') },
  {
    id: 'abandon',
    keys: ['a'],
    scope: 'device',
    description: 'Abandon the selected message: the hub delivers it again (manual settle mode)',
    hint: 'abandon',
    needs: [DEVICE_CONNECTED, SETTLES_BY_HAND, MANUAL_MODE, SETTLEABLE_MESSAGE],
    run: (act) => settle(act, 'abandon'),
  },
  { id: 'settle-mode', keys: ['m'], scope: 'device', description: 'Switch settle mode: auto-complete or manual', hint: 'mode', run: toggleSettleMode },
  { id: 'paste-device', keys: ['p'], scope: 'device', description: 'Paste another device connection string and connect with it', hint: 'paste cs', run: (act) => openPrompt(act, 'device') },
  { id: 'transport', keys: ['t'], scope: 'device', description: 'Choose the transport (mqtt, mqtt-ws, amqp, amqp-ws, http) and reconnect over it', hint: 'transport', run: chooseTransport },
  { id: 'switch-device', keys: ['d'], scope: 'device', description: 'Switch to another device of the hub, or create one', hint: 'device', needs: [SERVICE], run: (act) => void offerDevices(act) },
  { id: 'purge', keys: ['P'], scope: 'device', description: "Purge the device's C2D queue (asks first: the queued messages are lost)", hint: 'purge', needs: [SERVICE, DEVICE_ID], run: askPurge },
  { id: 'toggle-device', keys: ['x'], scope: 'device', description: 'Disconnect the device, or connect it again', hint: 'dis/connect', run: (act) => act.connections.toggleDevice() },
];
