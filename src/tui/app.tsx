/** The whole screen: header, tab bar, the current pane (or an overlay), notice and key hints. */
import { Box, useInput, useStdin } from 'ink';
import { useEffect, useSyncExternalStore } from 'react';
import { ConnectionOverlay, DetailsOverlay, HelpOverlay, MenuOverlay, PromptOverlay } from './components/overlays.js';
import { Header } from './components/header.js';
import { StatusBar } from './components/status-bar.js';
import { TabBar } from './components/tab-bar.js';
import type { Controller } from './controller.js';
import { DevicePane } from './panes/device-pane.js';
import { FeedbackPane } from './panes/feedback-pane.js';
import { SendPane } from './panes/send-pane.js';
import { findMessage } from './state/reducer.js';
import { disabledReason } from './keymap/availability.js';
import type { Binding } from './keymap/bindings.js';
import { keyContext } from './keymap/dispatch.js';
import { connectionInfo } from './selectors.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Lines around the pane: header 2, tab bar 1, notice 1, hints 1. */
const CHROME = 5;

export function App({ controller }: { controller: Controller }): React.JSX.Element {
  const state = useSyncExternalStore(controller.store.subscribe, controller.store.getState);
  const { columns, rows } = useTerminalSize();
  // Ink's key object cannot tell backspace from forward delete: the controller also sees each input event raw,
  // just before Ink's handler (prepended, so it runs first whatever order the effects ran in).
  const { internal_eventEmitter: inputEvents } = useStdin();
  useEffect(() => {
    inputEvents?.prependListener('input', controller.onRawInput);
    return () => {
      inputEvents?.off('input', controller.onRawInput);
    };
  }, [inputEvents, controller]);
  useInput(controller.onInput);
  const paneHeight = Math.max(3, rows - CHROME);
  useEffect(() => {
    controller.pageSize = Math.max(1, paneHeight - 3);
  }, [controller, paneHeight]);
  const ctx = keyContext(state);
  const unavailable = (binding: Binding): string | undefined => disabledReason(binding, state);
  const overlay = state.overlay;
  let body: React.JSX.Element;
  if (overlay?.kind === 'help') body = <HelpOverlay under={{ pane: state.pane, overlay: undefined, typing: false }} scroll={overlay.scroll} height={paneHeight} width={columns} unavailable={unavailable} />;
  else if (overlay?.kind === 'details') body = <DetailsOverlay view={state.device.messages[findMessage(state.device.messages, overlay.uid)]} scroll={overlay.scroll} height={paneHeight} width={columns} />;
  else if (overlay?.kind === 'connection') body = <ConnectionOverlay overlay={overlay} info={connectionInfo(state)} height={paneHeight} width={columns} />;
  else if (overlay?.kind === 'menu') body = <MenuOverlay overlay={overlay} height={paneHeight} width={columns} />;
  else if (state.pane === 'device') body = <DevicePane state={state} height={paneHeight} width={columns} />;
  else if (state.pane === 'send') body = <SendPane state={state} height={paneHeight} width={columns} />;
  else body = <FeedbackPane state={state} height={paneHeight} width={columns} />;
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header state={state} width={columns} />
      <TabBar state={state} />
      <Box height={paneHeight} flexDirection="column" overflow="hidden">
        {overlay?.kind === 'prompt' ? (
          <>
            <PromptOverlay overlay={overlay} height={paneHeight} width={columns} />
          </>
        ) : (
          body
        )}
      </Box>
      <StatusBar ctx={ctx} notice={state.notice} unavailable={unavailable} width={columns} />
    </Box>
  );
}
