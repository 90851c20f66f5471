/** Help (generated from the keymap), message details, connection strings, and the paste prompt. */
import { Box, Text } from 'ink';
import { SYSTEM_PROPERTIES } from '../../clients/records.js';
import { redactConnectionStringAt } from '../../core/connection-string.js';
import { displayText } from '../../core/display-text.js';
import { BINDINGS, SCOPE_TITLES, displayKey } from '../keymap/bindings.js';
import type { Binding, Scope } from '../keymap/bindings.js';
import { activeScopes } from '../keymap/dispatch.js';
import type { KeyContext } from '../keymap/dispatch.js';
import { bytes, clock, payloadLines } from '../format.js';
import { displayWidth, fit } from '../layout.js';
import type { MessageView, Overlay, PromptPurpose } from '../state/types.js';

function Frame({ title, height, width, children }: { title: string; height: number; width: number; children: React.ReactNode }): React.JSX.Element {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" height={height} width={width} paddingX={1} overflow="hidden">
      <Box flexShrink={0}>
        <Text bold color="cyan" wrap="truncate-end">
          {fit(title, Math.max(1, width - 4))}
        </Text>
      </Box>
      {/* Rows keep their height: content taller than the frame is cut at the bottom, never drawn over itself. */}
      <Box flexDirection="column" flexShrink={0}>
        {children}
      </Box>
    </Box>
  );
}

/** The keys of where the user was when they pressed `?`, then the ones that work anywhere. */
export function HelpOverlay({
  under,
  scroll,
  height,
  width,
  unavailable,
}: {
  under: KeyContext;
  scroll: number;
  height: number;
  width: number;
  unavailable: (binding: Binding) => string | undefined;
}): React.JSX.Element {
  const scopes: Scope[] = [...activeScopes(under).filter((s) => s !== 'always'), ...(under.pane === 'send' ? (['form'] as Scope[]) : []), 'always'];
  const lines: React.JSX.Element[] = [];
  for (const scope of scopes) {
    const rows = BINDINGS.filter((b) => b.scope === scope);
    if (rows.length === 0) continue;
    lines.push(
      <Text key={`t-${scope}`} bold>
        {SCOPE_TITLES[scope]}
      </Text>,
    );
    for (const b of rows) {
      const why = unavailable(b);
      lines.push(
        <Text key={`${scope}-${b.id}-${b.keys.join()}`} wrap="truncate-end" dimColor={why !== undefined}>
          {`  ${b.keys.map(displayKey).join(' ').padEnd(14)} ${b.description}${why ? ` (now: ${why})` : ''}`}
        </Text>,
      );
    }
  }
  // What does not fit scrolls (↑↓); the last row says how much is below.
  const room = Math.max(1, height - 3);
  const top = Math.min(scroll, Math.max(0, lines.length - room));
  const below = lines.length - (top + room);
  const shown = below > 0 ? [...lines.slice(top, top + room - 1), <Text key="more" dimColor>{`  ↓ ${below + 1} more lines (↑↓ scroll)`}</Text>] : lines.slice(top, top + room);
  return (
    <Frame title="Keys (esc or ? closes, ↑↓ scrolls; all: docs/keybindings.md)" height={height} width={width}>
      {shown}
    </Frame>
  );
}

export function detailLines(view: MessageView): string[] {
  const m = view.message;
  const system = SYSTEM_PROPERTIES.map((key): [string, string | undefined] => [
    key,
    key === 'lockToken' && m.lockToken === undefined && m.transport.startsWith('mqtt') ? '(none over MQTT)' : m[key],
  ]);
  const payload = payloadLines(m.payload);
  return [
    `received ${clock(m.receivedMs)} over ${m.transport} · ${bytes(view.size)} · ${view.settled ?? 'not settled yet'}`,
    '',
    'System properties',
    ...system.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${k.padEnd(16)} ${displayText(v as string)}`),
    ...(m.deliveryCount !== undefined ? [`  ${'deliveryCount'.padEnd(16)} ${m.deliveryCount}${m.deliveryCount > 0 ? ` (abandoned ${m.deliveryCount} time${m.deliveryCount === 1 ? '' : 's'} before)` : ''}`] : []),
    '',
    `Custom properties (${m.properties.length})`,
    ...(m.properties.length ? m.properties.map(([k, v]) => `  ${displayText(k)} = ${displayText(v)}`) : ['  (none)']),
    '',
    `Payload (${payload.kind}${view.truncated ? `, first ${bytes(m.payload.length)} of ${bytes(view.size)}: older messages keep only the start` : ''})`,
    ...payload.lines.map((l) => `  ${l}`),
  ];
}

export function DetailsOverlay({ view, scroll, height, width }: { view: MessageView | undefined; scroll: number; height: number; width: number }): React.JSX.Element {
  if (!view) {
    return (
      <Frame title="Message" height={height} width={width}>
        <Text>That message is no longer held (only the newest 10,000 are).</Text>
      </Frame>
    );
  }
  const lines = detailLines(view);
  const room = Math.max(1, height - 3);
  const top = Math.min(scroll, Math.max(0, lines.length - room));
  return (
    <Frame title={`Message ${displayText(view.message.messageId ?? `#${view.uid}`)} (↑↓ scroll, esc close)`} height={height} width={width}>
      {lines.slice(top, top + room).map((l, i) => (
        <Text key={`${top + i}`} wrap="truncate-end">
          {l === '' ? ' ' : fit(l, Math.max(1, width - 4))}
        </Text>
      ))}
    </Frame>
  );
}

export function ConnectionOverlay({ overlay, info, height, width }: { overlay: Extract<Overlay, { kind: 'connection' }>; info: { service?: string; device?: string; caPath?: string }; height: number; width: number }): React.JSX.Element {
  return (
    <Frame title="Connection (keys masked)" height={height} width={width}>
      <Text bold>Service connection string</Text>
      <Text wrap="wrap">{`  ${displayText(info.service ?? '(none)')}`}</Text>
      <Text bold>Device connection string</Text>
      <Text wrap="wrap">{`  ${displayText(info.device ?? '(none)')}`}</Text>
      <Text bold>CA certificate</Text>
      <Text wrap="wrap">{`  ${info.caPath ?? '(system roots only)'}`}</Text>
      {info.caPath ? <Text wrap="wrap" dimColor>{`  Trust it in your own code, e.g. NODE_EXTRA_CA_CERTS=${info.caPath} node app.js`}</Text> : null}
      <Text> </Text>
      {overlay.written ? (
        <Text color="green" wrap="wrap">{`Written unmasked (mode 0600) to ${overlay.written}`}</Text>
      ) : overlay.error ? (
        <Text color="red" wrap="wrap">
          {displayText(overlay.error)}
        </Text>
      ) : (
        <Text>w: write them unmasked to a private file · esc: close</Text>
      )}
    </Frame>
  );
}

const PROMPT_KEYS: Record<PromptPurpose, string> = {
  device: 'enter: connect · esc: cancel · the key is masked on screen',
  service: 'enter: connect · esc: cancel · the key is masked on screen',
  'new-device': 'enter: create it and connect as it · esc: cancel',
  'payload-file': 'enter: load it into the payload · esc: cancel',
  'device-cert': 'enter: next, its private key · esc: cancel',
  'device-key': 'enter: connect · esc: cancel · the key is read, never shown',
};

function promptTitle(overlay: Extract<Overlay, { kind: 'prompt' }>): string {
  switch (overlay.purpose) {
    case 'new-device':
      return "Create a device: its id (letters, digits and -.+%_#*?!(),:=@$')";
    case 'payload-file':
      return 'Load the payload from a file: its path (~/ and relative paths work)';
    case 'device-cert':
      return `X.509 device ${overlay.x509?.deviceId ?? ''}: its certificate file, PEM (~/ and relative paths work)`;
    case 'device-key':
      return `X.509 device ${overlay.x509?.deviceId ?? ''}: its private key file, PEM (~/ and relative paths work)`;
    case 'device':
      return 'Paste a device connection string (HostName=…;DeviceId=…;SharedAccessKey=… or x509=true)';
    case 'service':
      return 'Paste a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…)';
  }
}

export function PromptOverlay({ overlay, height, width }: { overlay: Extract<Overlay, { kind: 'prompt' }>; height: number; width: number }): React.JSX.Element {
  // The cursor is a block over the character at it (a space at the end); keys stay masked around it.
  const [before, after] = redactConnectionStringAt(overlay.text, overlay.cursor).map(displayText) as [string, string];
  const [under = ' ', ...rest] = [...after];
  const title = promptTitle(overlay);
  return (
    <Frame title={title} height={Math.min(height, 8)} width={width}>
      <Text wrap="wrap">
        {`› ${before}`}
        <Text inverse>{under}</Text>
        {rest.join('')}
      </Text>
      {overlay.error ? (
        <Text color="red" wrap="wrap">
          {displayText(overlay.error)}
        </Text>
      ) : (
        <Text dimColor>{PROMPT_KEYS[overlay.purpose]}</Text>
      )}
    </Frame>
  );
}

/** A numbered choice; the marked one is inverted. Long lists scroll to keep the mark in view. */
export function MenuOverlay({ overlay, height, width }: { overlay: Extract<Overlay, { kind: 'menu' }>; height: number; width: number }): React.JSX.Element {
  const title = displayText(overlay.title);
  const titleLines = Math.ceil(displayWidth(title) / Math.max(1, width - 4));
  const room = Math.max(1, height - 4 - titleLines - (overlay.note ? 1 : 0));
  const top = Math.max(0, Math.min(overlay.selected - room + 1, overlay.items.length - room));
  return (
    <Frame title="Choose (↑↓ and enter, or the number; esc cancels)" height={Math.min(height, overlay.items.length + 4 + titleLines + (overlay.note ? 1 : 0))} width={width}>
      <Text wrap="wrap">{title}</Text>
      {overlay.items.slice(top, top + room).map((item, i) => (
        <Text key={item.value} inverse={top + i === overlay.selected} wrap="truncate-end">
          {fit(`${top + i + 1} ${displayText(item.label)}`, Math.max(1, width - 4))}
        </Text>
      ))}
      {overlay.note ? (
        <Text dimColor wrap="truncate-end">
          {overlay.note}
        </Text>
      ) : null}
    </Frame>
  );
}
