/** The one-line prompt's keys (a connection string, a device id, a file path) and what submitting each means. */
import { parseDeviceConnectionString, parseServiceConnectionString } from '../../core/connection-string.js';
import { checkId } from '../../core/iothub-names.js';
import { errorText } from '../errors.js';
import { keyPairProblem } from '../../core/device-certificate.js';
import { readPayloadFile, readPemFile } from '../files.js';
import type { Binding } from '../keymap/bindings.js';
import { closeOverlay, openPrompt } from './context.js';
import type { Act } from './context.js';
import { askCertificate, useDevice } from './device.js';
import { edit } from './editing.js';
import { focus, setForm } from './send.js';

function submit(act: Act): void {
  const overlay = act.state.overlay;
  if (overlay?.kind !== 'prompt') return;
  const text = overlay.text.trim();
  // A problem keeps the prompt open with what was typed, and says what is wrong with it.
  const refuse = (error: string): void => act.dispatch({ type: 'overlay', overlay: { ...overlay, error } });
  switch (overlay.purpose) {
    case 'payload-file': {
      const read = readPayloadFile(text, act.connector.exportDir);
      if ('error' in read) return refuse(read.error);
      closeOverlay(act);
      setForm(act, { ...act.state.send.form, payload: read.text });
      focus(act, 'payload');
      act.dispatch({ type: 'send-result', result: { level: 'info', text: `Payload loaded from ${read.path} (${Buffer.byteLength(read.text)} bytes).` } });
      return;
    }
    case 'new-device': {
      const problem = checkId('device id', text);
      if (problem) return refuse(problem);
      closeOverlay(act);
      void useDevice(act, text, true);
      return;
    }
    case 'device-cert': {
      const x509 = overlay.x509;
      if (!x509) return closeOverlay(act);
      const cert = readPemFile(text, act.connector.exportDir, 'certificate');
      if ('error' in cert) return refuse(cert.error);
      openPrompt(act, 'device-key', '', { ...x509, certPath: cert.path });
      return;
    }
    case 'device-key': {
      const x509 = overlay.x509;
      if (!x509?.certPath) return closeOverlay(act);
      const key = readPemFile(text, act.connector.exportDir, 'key');
      if ('error' in key) return refuse(key.error);
      const cert = readPemFile(x509.certPath, act.connector.exportDir, 'certificate');
      if ('error' in cert) return refuse(cert.error);
      const mismatch = keyPairProblem({ pem: cert.pem, name: cert.path }, { pem: key.pem, name: key.path });
      if (mismatch) return refuse(mismatch);
      closeOverlay(act);
      void act.connections.connectDevice(x509.connectionString, act.state.device.transport, { cert: cert.pem, key: key.pem });
      return;
    }
    case 'device':
    case 'service':
      try {
        if (overlay.purpose === 'device') {
          const parsed = parseDeviceConnectionString(text);
          // A device with a certificate (the SDK's own form, x509=true): its files come next.
          if (parsed.x509) return askCertificate(act, text, parsed.deviceId);
        } else parseServiceConnectionString(text);
      } catch (err) {
        return refuse(errorText(err));
      }
      closeOverlay(act);
      if (overlay.purpose === 'device') void act.connections.connectDevice(text, act.state.device.transport);
      else void act.connections.connectService(text);
      return;
  }
}

export const PROMPT_BINDINGS: readonly Binding[] = [
  { id: 'prompt-submit', keys: ['enter'], scope: 'prompt', description: 'Use what was typed or pasted', hint: 'connect', run: submit },
  { id: 'prompt-cancel', keys: ['esc'], scope: 'prompt', description: 'Cancel', hint: 'cancel', run: closeOverlay },
  { id: 'cursor-left', keys: ['left'], scope: 'prompt', description: 'Cursor one character left', run: (act) => edit(act, { kind: 'left' }) },
  { id: 'cursor-right', keys: ['right'], scope: 'prompt', description: 'Cursor one character right', run: (act) => edit(act, { kind: 'right' }) },
  { id: 'line-start', keys: ['home', 'ctrl+a'], scope: 'prompt', description: 'Cursor to the start', run: (act) => edit(act, { kind: 'line-start' }) },
  { id: 'line-end', keys: ['end', 'ctrl+e'], scope: 'prompt', description: 'Cursor to the end', run: (act) => edit(act, { kind: 'line-end' }) },
  { id: 'delete-back', keys: ['backspace'], scope: 'prompt', description: 'Delete the character before the cursor', run: (act) => edit(act, { kind: 'delete-back' }) },
  { id: 'delete-forward', keys: ['delete'], scope: 'prompt', description: 'Delete the character at the cursor', run: (act) => edit(act, { kind: 'delete-forward' }) },
  { id: 'clear-field', keys: ['ctrl+u'], scope: 'prompt', description: 'Clear what was typed', run: (act) => edit(act, { kind: 'clear' }) },
  { id: 'delete-to-end', keys: ['ctrl+k'], scope: 'prompt', description: 'Delete from the cursor to the end', run: (act) => edit(act, { kind: 'delete-to-end' }) },
];
