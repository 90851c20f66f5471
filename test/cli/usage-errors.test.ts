/** A bad choice or an unknown subcommand: one line on stderr naming the option, the value and what is allowed; exit 2. */
import { describe, expect, it } from 'vitest';
import { execCli } from '../helpers/cli.js';
import { choiceError, unknownSubcommand } from '../../src/cli/usage.js';

describe('usage errors', () => {
  it('send --ack bogus and receive --transport carrier-pigeon name the option, the value and the choices', async () => {
    const ack = await execCli(['send', 'dev', 'hi', '--ack', 'bogus']);
    expect(ack.code).toBe(2);
    expect(ack.stderr).toBe('iot-c2d: --ack "bogus" is not one of its choices: give none, positive, negative, full.\n');
    const transport = await execCli(['receive', '--transport', 'carrier-pigeon']);
    expect(transport.code).toBe(2);
    expect(transport.stderr).toBe('iot-c2d: --transport "carrier-pigeon" is not one of its choices: give mqtt, mqtt-ws, amqp, amqp-ws, http.\n');
  });

  it('device frobnicate x names the unknown subcommand and the valid ones', async () => {
    const result = await execCli(['device', 'frobnicate', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('iot-c2d: "device frobnicate": device has no command "frobnicate"; its commands are create, list, show, delete (iot-c2d device --help).\n');
  });

  it('the sentences are built from what yargs reports, and only for those cases', () => {
    expect(choiceError('Invalid values:\n  Argument: ack, Given: "x", Choices: "none", "full"\n  Argument: settle, Given: "y", Choices: "complete"')).toBe(
      '--ack "x" is not one of its choices: give none, full; --settle "y" is not one of its choices: give complete.',
    );
    expect(choiceError('Unknown argument: x')).toBeUndefined();
    expect(unknownSubcommand(['device', 'list'], { device: ['list'] })).toBeUndefined();
    expect(unknownSubcommand(['device', '--help'], { device: ['list'] })).toBeUndefined();
    expect(unknownSubcommand(['send', 'x'], { device: ['list'] })).toBeUndefined();
  });
});
