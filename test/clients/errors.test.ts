/** The one-line explanations of the SDKs' errors (clients/errors.ts) that no hub test reaches. */
import { expect, it } from 'vitest';
import { explain } from '../../src/clients/errors.js';

const context = { what: 'service connection string' };

it('a lost connection is said plainly, without the AMQP library\'s name or words that add nothing', () => {
  // What azure-iothub passes on when rhea's connection goes away (seen in the TUI's Send pane, hub killed).
  expect(explain(new Error('rhea: connection disconnected'), context).message).toBe('The connection to the hub was lost.');
  expect(explain(Object.assign(new Error('connection closed'), { name: 'NotConnectedError' }), context).message).toBe('The connection to the hub was lost.');
  // A reason that says something is kept.
  expect(explain(new Error('Unable to establish a connection: read ECONNRESET'), context).message).toBe(
    'The connection to the hub was lost: Unable to establish a connection: read ECONNRESET.',
  );
});
