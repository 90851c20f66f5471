/** The form, the result of the last send, and the recent sends. */
import { Box, Text } from 'ink';
import { displayText } from '../../core/display-text.js';
import { displayWidth, fit, fitTail } from '../layout.js';
import { cursorLine } from '../state/edit.js';
import { checkForm } from '../state/form.js';
import type { FieldCheck, FieldId } from '../state/form.js';
import type { State } from '../state/types.js';

const LABEL = 18;
const NOTICE_COLORS = { info: 'green', warning: 'yellow', error: 'red' } as const;

/**
 * The text on either side of the caret, in `width` columns (display width: emoji and CJK take two): a line too
 * long for them scrolls so that the caret and a few characters after it stay in view; `…` marks a cut end.
 */
function aroundCaret(before: string, after: string, width: number): [string, string] {
  if (displayWidth(before + after) <= width) return [before, after];
  const ahead = Math.min(displayWidth(after), Math.max(1, Math.min(8, Math.floor(width / 4))));
  const shownBefore = fitTail(before, width - ahead);
  return [shownBefore, fit(after, width - displayWidth(shownBefore))];
}

/** One line of the form; `cursor` (an offset into `value`) places the caret when it has focus. */
function Field({ label, value, placeholder, focused, cursor, check, width }: { label: string; value: string; placeholder?: string; focused: boolean; cursor?: number; check?: FieldCheck | undefined; width: number }): React.JSX.Element {
  const shown = value === '' && !focused && placeholder ? placeholder : value;
  const checkText = check ? displayText(check.text) : '';
  const room = Math.max(8, width - LABEL - 2 - (check ? Math.min(48, checkText.length + 3) : 0));
  // What was typed, pasted or loaded is shown safely (core/display-text.ts), each side of the caret on its own.
  const safe = (text: string): string => displayText(text.replace(/\n/g, '⏎'));
  const at = cursor ?? shown.length;
  // The caret takes a column of its own.
  const [before, after] = focused ? aroundCaret(safe(shown.slice(0, at)), safe(shown.slice(at)), room - 1) : [fit(safe(shown), room - 1), ''];
  return (
    <Text wrap="truncate-end">
      <Text color={focused ? 'cyan' : undefined} bold={focused}>
        {`${focused ? '›' : ' '} ${label}`.padEnd(LABEL)}
      </Text>
      <Text dimColor={value === '' && !focused} underline={focused}>
        {before}
        {focused ? '▏' : ''}
        {after}
      </Text>
      {check ? <Text color={check.level === 'error' ? 'red' : 'yellow'}>{`  ${check.level === 'error' ? '✗' : '!'} ${checkText}`}</Text> : null}
    </Text>
  );
}

function Button({ label, focused }: { label: string; focused: boolean }): React.JSX.Element {
  return (
    <Text color={focused ? 'cyan' : undefined} bold={focused} inverse={focused}>
      {`${focused ? '›' : ' '} ${label} `}
    </Text>
  );
}

interface PayloadRow {
  value: string;
  /** The payload line shown (undefined: a row that counts hidden lines). */
  line?: number;
}

/**
 * The payload's rows, at most `room` (3 or more): all its lines when they fit; else the lines around the
 * caret's line (the first ones when the payload does not have focus), with a row counting the lines above
 * and one counting those below.
 */
export function payloadRows(lines: string[], caretLine: number | undefined, room: number): PayloadRow[] {
  const n = lines.length;
  const line = (i: number): PayloadRow => ({ value: lines[i] ?? '', line: i });
  if (n <= room) return lines.map((_, i) => line(i));
  const range = (from: number, count: number): PayloadRow[] => Array.from({ length: count }, (_, k) => line(from + k));
  const caret = caretLine ?? 0;
  if (caret < room - 2) return [...range(0, room - 1), { value: `… ${n - (room - 1)} more lines` }];
  if (caret > n - room + 1) return [{ value: `… ${n - (room - 1)} lines above` }, ...range(n - (room - 1), room - 1)];
  const shown = room - 2;
  const start = Math.max(1, Math.min(n - shown - 1, caret - Math.floor(shown / 2)));
  return [{ value: `… ${start} lines above` }, ...range(start, shown), { value: `… ${n - start - shown} more lines` }];
}

export function SendPane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const s = state.send;
  const form = s.form;
  const checks = checkForm(form);
  const f = (id: FieldId): boolean => s.focus === id;
  const caret = f('payload') ? cursorLine(form.payload, s.cursor) : undefined;
  // The payload being edited gets the rows the screen can spare (3 to 12), to show the lines around the caret.
  const room = caret ? Math.max(3, Math.min(12, height - 15 - form.properties.length)) : 3;
  const payloadShown = payloadRows(form.payload.split('\n'), caret?.line, room);
  const used = 14 + Math.max(0, payloadShown.length - 1) + form.properties.length;
  const recentRoom = Math.max(0, height - used - 1);
  if (!state.service.configured) {
    return (
      <Box flexDirection="column" height={height}>
        <Text color={state.service.error ? 'red' : undefined} wrap="wrap">
          {state.service.error ? displayText(state.service.error) : 'No service connection.'}
        </Text>
        <Text> </Text>
        <Text wrap="wrap">Press p to paste a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), or start with --hub.</Text>
      </Box>
    );
  }
  // The form's rows, each with whether it holds the focus: a screen too short for all of them shows the rows
  // around the focused one (as the payload shows the lines around the caret), never rows drawn over each other.
  const rows: Array<{ node: React.JSX.Element; focused: boolean }> = [
    { node: <Field key="deviceId" label="To device" value={form.deviceId} focused={f('deviceId')} cursor={s.cursor} check={checks.deviceId} width={width} />, focused: f('deviceId') },
    ...payloadShown.map((row, i) => ({
      node: (
        <Field
          key={`p${i}`}
          label={i === 0 ? 'Payload' : ''}
          value={row.value}
          placeholder={i === 0 && form.payload.length === 0 ? '(empty)' : ''}
          focused={caret !== undefined && row.line === caret.line}
          cursor={caret?.offset}
          check={i === 0 ? checks.payload : undefined}
          width={width}
        />
      ),
      focused: caret !== undefined && row.line === caret.line,
    })),
    { node: <Field key="messageId" label="Message id" value={form.messageId} placeholder="(blank: a new UUID each send)" focused={f('messageId')} cursor={s.cursor} check={checks.messageId} width={width} />, focused: f('messageId') },
    { node: <Field key="correlationId" label="Correlation id" value={form.correlationId} focused={f('correlationId')} cursor={s.cursor} check={checks.correlationId} width={width} />, focused: f('correlationId') },
    { node: <Field key="userId" label="User id" value={form.userId} placeholder="(none)" focused={f('userId')} cursor={s.cursor} check={checks.userId} width={width} />, focused: f('userId') },
    ...form.properties.map((p, i) => ({
      node: <Field key={`prop${i}`} label={`Property ${i + 1}`} value={p} placeholder="key=value" focused={f(`prop:${i}`)} cursor={s.cursor} check={checks[`prop:${i}`]} width={width} />,
      focused: f(`prop:${i}`),
    })),
    {
      node: (
        <Text key="addProperty" wrap="truncate-end">
          {' '.repeat(LABEL)}
          <Button label="+ add property" focused={f('addProperty')} />
          <Text dimColor>{'  ctrl+n add, ctrl+d remove'}</Text>
        </Text>
      ),
      focused: f('addProperty'),
    },
    {
      node: (
        <Text key="ack" wrap="truncate-end">
          <Text color={f('ack') ? 'cyan' : undefined} bold={f('ack')}>
            {`${f('ack') ? '›' : ' '} Ack`.padEnd(LABEL)}
          </Text>
          {(['none', 'positive', 'negative', 'full'] as const).map((mode) => (
            <Text key={mode} inverse={form.ack === mode} dimColor={form.ack !== mode}>
              {` ${mode} `}
            </Text>
          ))}
          {f('ack') ? <Text dimColor>{'  ←/→ change'}</Text> : null}
        </Text>
      ),
      focused: f('ack'),
    },
    { node: <Field key="expiry" label="Expiry (s)" value={form.expiry} placeholder="(hub default: 1 hour)" focused={f('expiry')} cursor={s.cursor} check={checks.expiry} width={width} />, focused: f('expiry') },
    { node: <Field key="contentType" label="Content type" value={form.contentType} placeholder="e.g. application/json" focused={f('contentType')} cursor={s.cursor} check={checks.contentType} width={width} />, focused: f('contentType') },
    { node: <Field key="contentEncoding" label="Content enc." value={form.contentEncoding} placeholder="e.g. utf-8" focused={f('contentEncoding')} cursor={s.cursor} check={checks.contentEncoding} width={width} />, focused: f('contentEncoding') },
    {
      node: (
        <Box key="repeat">
          <Field label="Repeat" value={form.repeat} focused={f('repeat')} cursor={s.cursor} check={checks.repeat} width={Math.floor(width / 2)} />
          <Field label="at msg/s" value={form.rate} focused={f('rate')} cursor={s.cursor} check={checks.rate} width={Math.ceil(width / 2)} />
        </Box>
      ),
      focused: f('repeat') || f('rate'),
    },
    {
      node: (
        <Text key="send" wrap="truncate-end">
          {' '.repeat(LABEL)}
          <Button label="Send" focused={f('send')} />
          <Text dimColor>{s.focus === undefined ? '  enter: edit the form, ctrl+s: send' : '  ctrl+s sends from any field'}</Text>
          {s.repeat?.running ? <Text color="yellow">{`  ${s.repeat.started}/${s.repeat.total} sent, ${s.repeat.enqueued} enqueued, ${s.repeat.refused} refused (ctrl+x stops)`}</Text> : null}
        </Text>
      ),
      focused: f('send'),
    },
  ];
  // One row stays for the outcome of the last send.
  const formRoom = Math.max(3, height - 1);
  const focusedRow = rows.findIndex((row) => row.focused);
  const shownRows = payloadRows(rows.map(() => ''), focusedRow < 0 ? undefined : focusedRow, formRoom);
  return (
    <Box flexDirection="column" height={height}>
      {shownRows.map((row, i) =>
        row.line === undefined ? (
          <Text key={`more${i}`} dimColor wrap="truncate-end">
            {`${' '.repeat(LABEL)}${row.value.replace('lines', 'fields')}`}
          </Text>
        ) : (
          rows[row.line]?.node
        ),
      )}
      <Text wrap="truncate-end" color={s.result ? NOTICE_COLORS[s.result.level] : undefined}>
        {s.result ? fit(displayText(s.result.text), width) : ' '}
      </Text>
      {recentRoom > 0 && s.recent.length > 0 ? (
        <>
          <Text dimColor>Recent sends (ctrl+r puts one back in the form):</Text>
          {s.recent.slice(0, recentRoom - 1).map((r, i) => (
            <Text key={`${r.messageId}-${r.atMs}-${i}`} wrap="truncate-end" dimColor={i !== s.recall}>
              {fit(`  ${i === s.recall ? '›' : ' '} ${r.outcome.level === 'error' ? '✗' : r.outcome.level === 'warning' ? '!' : '✓'} ${displayText(`${r.deviceId} ${r.messageId}`)}  ${fit(displayText(r.form.payload.replace(/\n/g, '⏎')), 30)}`, width)}
            </Text>
          ))}
        </>
      ) : null}
    </Box>
  );
}
