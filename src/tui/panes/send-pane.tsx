/** The form, the result of the last send, and the recent sends. */
import { Box, Text } from 'ink';
import { cut } from '../format.js';
import { checkForm } from '../state/form.js';
import type { FieldCheck, FieldId } from '../state/form.js';
import type { State } from '../state/types.js';

const LABEL = 18;
const NOTICE_COLORS = { info: 'green', warning: 'yellow', error: 'red' } as const;

function Field({ label, value, placeholder, focused, check, width }: { label: string; value: string; placeholder?: string; focused: boolean; check?: FieldCheck | undefined; width: number }): React.JSX.Element {
  const shown = value === '' && !focused && placeholder ? placeholder : value;
  const room = Math.max(8, width - LABEL - 2 - (check ? Math.min(48, check.text.length + 3) : 0));
  const text = cut(shown.replace(/\n/g, '⏎'), room - 1);
  return (
    <Text wrap="truncate-end">
      <Text color={focused ? 'cyan' : undefined} bold={focused}>
        {`${focused ? '›' : ' '} ${label}`.padEnd(LABEL)}
      </Text>
      <Text dimColor={value === '' && !focused} underline={focused}>
        {text}
        {focused ? '▏' : ''}
      </Text>
      {check ? <Text color={check.level === 'error' ? 'red' : 'yellow'}>{`  ${check.level === 'error' ? '✗' : '!'} ${check.text}`}</Text> : null}
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

export function SendPane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const s = state.send;
  const form = s.form;
  const checks = checkForm(form);
  const f = (id: FieldId): boolean => s.focus === id;
  const payloadLines = form.payload.split('\n');
  const payloadShown = payloadLines.length > 3 ? [...payloadLines.slice(0, 2), `… ${payloadLines.length - 2} more lines`] : payloadLines;
  const used = 13 + Math.max(0, payloadShown.length - 1) + form.properties.length;
  const recentRoom = Math.max(0, height - used - 1);
  if (!state.service.configured) {
    return (
      <Box flexDirection="column" height={height}>
        <Text color={state.service.error ? 'red' : undefined} wrap="wrap">
          {state.service.error ?? 'No service connection.'}
        </Text>
        <Text> </Text>
        <Text wrap="wrap">Press p to paste a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), or start with --hub.</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" height={height}>
      <Field label="To device" value={form.deviceId} focused={f('deviceId')} check={checks.deviceId} width={width} />
      {payloadShown.map((line, i) => (
        <Field key={`p${i}`} label={i === 0 ? 'Payload' : ''} value={line} placeholder={i === 0 ? '(empty)' : ''} focused={f('payload') && i === payloadShown.length - 1} check={i === 0 ? checks.payload : undefined} width={width} />
      ))}
      <Field label="Message id" value={form.messageId} placeholder="(blank: a new UUID each send)" focused={f('messageId')} check={checks.messageId} width={width} />
      <Field label="Correlation id" value={form.correlationId} focused={f('correlationId')} check={checks.correlationId} width={width} />
      {form.properties.map((p, i) => (
        <Field key={`prop${i}`} label={`Property ${i + 1}`} value={p} placeholder="key=value" focused={f(`prop:${i}`)} check={checks[`prop:${i}`]} width={width} />
      ))}
      <Text>
        {' '.repeat(LABEL)}
        <Button label="+ add property" focused={f('addProperty')} />
        <Text dimColor>{'  ctrl+n add, ctrl+d remove'}</Text>
      </Text>
      <Text wrap="truncate-end">
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
      <Field label="Expiry (s)" value={form.expiry} placeholder="(hub default: 1 hour)" focused={f('expiry')} check={checks.expiry} width={width} />
      <Field label="Content type" value={form.contentType} placeholder="e.g. application/json" focused={f('contentType')} check={checks.contentType} width={width} />
      <Field label="Content enc." value={form.contentEncoding} placeholder="e.g. utf-8" focused={f('contentEncoding')} check={checks.contentEncoding} width={width} />
      <Box>
        <Field label="Repeat" value={form.repeat} focused={f('repeat')} check={checks.repeat} width={Math.floor(width / 2)} />
        <Field label="at msg/s" value={form.rate} focused={f('rate')} check={checks.rate} width={Math.ceil(width / 2)} />
      </Box>
      <Text wrap="truncate-end">
        {' '.repeat(LABEL)}
        <Button label="Send" focused={f('send')} />
        <Text dimColor>{s.focus === undefined ? '  enter: edit the form, ctrl+s: send' : '  ctrl+s sends from any field'}</Text>
        {s.repeat?.running ? <Text color="yellow">{`  ${s.repeat.started}/${s.repeat.total} sent, ${s.repeat.enqueued} enqueued, ${s.repeat.refused} refused (ctrl+x stops)`}</Text> : null}
      </Text>
      <Text wrap="truncate-end" color={s.result ? NOTICE_COLORS[s.result.level] : undefined}>
        {s.result?.text ?? ' '}
      </Text>
      {recentRoom > 0 && s.recent.length > 0 ? (
        <>
          <Text dimColor>Recent sends (ctrl+r puts one back in the form):</Text>
          {s.recent.slice(0, recentRoom - 1).map((r, i) => (
            <Text key={`${r.messageId}-${r.atMs}-${i}`} wrap="truncate-end" dimColor={i !== s.recall}>
              {`  ${i === s.recall ? '›' : ' '} ${r.outcome.level === 'error' ? '✗' : '✓'} ${r.deviceId} ${r.messageId}  ${cut(r.form.payload.replace(/\n/g, '⏎'), 30)}`}
            </Text>
          ))}
        </>
      ) : null}
    </Box>
  );
}
