/** The keys of a choice (transport, device, yes/no before something that loses data) and what each choice means. */
import type { DeviceTransport } from '../../core/types.js';
import type { Binding } from '../keymap/bindings.js';
import type { MenuPurpose } from '../state/types.js';
import { closeOverlay, openPrompt } from './context.js';
import type { Act } from './context.js';
import { purge, useDevice } from './device.js';

function choose(act: Act, purpose: MenuPurpose, value: string | undefined): void {
  closeOverlay(act);
  if (value === undefined || value === 'no') return;
  switch (purpose) {
    case 'transport':
      act.connections.switchTransport(value as DeviceTransport);
      return;
    case 'quit':
      void act.quit();
      return;
    case 'purge':
      void purge(act);
      return;
    case 'device':
      if (value === 'new') openPrompt(act, 'new-device');
      else void useDevice(act, value, false);
      return;
  }
}

function moveChoice(act: Act, by: 1 | -1): void {
  const o = act.state.overlay;
  if (o?.kind !== 'menu') return;
  const n = o.items.length;
  act.dispatch({ type: 'overlay', overlay: { ...o, selected: (o.selected + by + n) % n } });
}

export const MENU_BINDINGS: readonly Binding[] = [
  { id: 'menu-up', keys: ['up', 'k'], scope: 'menu', description: 'The choice above', hint: 'move', run: (act) => moveChoice(act, -1) },
  { id: 'menu-down', keys: ['down', 'j'], scope: 'menu', description: 'The choice below', run: (act) => moveChoice(act, 1) },
  {
    id: 'menu-choose',
    keys: ['enter'],
    scope: 'menu',
    description: 'Take the marked choice',
    hint: 'choose',
    run: (act) => {
      const o = act.state.overlay;
      if (o?.kind === 'menu') choose(act, o.purpose, o.items[o.selected]?.value);
    },
  },
  {
    id: 'menu-pick',
    keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
    scope: 'menu',
    description: 'Take the choice with that number',
    run: (act) => {
      const o = act.state.overlay;
      const item = o?.kind === 'menu' ? o.items[Number(act.key) - 1] : undefined;
      if (o?.kind === 'menu' && item) choose(act, o.purpose, item.value);
    },
  },
  { id: 'menu-cancel', keys: ['esc'], scope: 'menu', description: 'Cancel: nothing changes', hint: 'cancel', run: closeOverlay },
];
