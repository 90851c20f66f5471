/** The env files the hub and the TUI write: the shell reads back exactly the values written, quotes included. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { envFileText, shellQuote } from '../../src/core/env-file.js';

const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("sourcing the file gives back each value exactly, even with ', $, spaces and backslashes", () => {
  const values = {
    IOTHUB_CONNECTION_STRING: 'HostName=localhost:8883;SharedAccessKeyName=iothubowner;SharedAccessKey=ab+/c=',
    IOTHUB_DEVICE_CONNECTION_STRING: "HostName=localhost;DeviceId=it's $HOME `id` \\n !x;SharedAccessKey=k'',",
    NODE_EXTRA_CA_CERTS: "/tmp/a dir/it's/ca.pem",
  };
  const file = join(dir, 'connection.env');
  writeFileSync(file, envFileText(values));
  const script = `. '${file}'; printf '%s\\0' "$IOTHUB_CONNECTION_STRING" "$IOTHUB_DEVICE_CONNECTION_STRING" "$NODE_EXTRA_CA_CERTS"`;
  const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(out.split('\0').slice(0, 3)).toEqual(Object.values(values));
});

it('leaves out variables without a value, and quotes a lone quote as one word', () => {
  expect(envFileText({ A: 'x', B: undefined, C: '' })).toBe("export A='x'\n");
  expect(envFileText({})).toBe('');
  expect(shellQuote("'")).toBe(`''\\'''`);
});
