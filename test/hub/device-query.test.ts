/** The device query subset (src/hub/http/device-query.ts) over plain twin-shaped rows. */
import { expect, it } from 'vitest';
import { HubError } from '../../src/hub/core/errors.js';
import { parseDeviceQuery, runDeviceQuery } from '../../src/hub/http/device-query.js';

const rows = [
  { deviceId: 'a1', status: 'enabled', cloudToDeviceMessageCount: 3, capabilities: { iotEdge: false } },
  { deviceId: 'a2', status: 'disabled', cloudToDeviceMessageCount: 0, capabilities: { iotEdge: true } },
  { deviceId: "b'1", status: 'enabled', cloudToDeviceMessageCount: 1, capabilities: { iotEdge: false } },
];

const ids = (query: string): string[] => (runDeviceQuery(parseDeviceQuery(query), rows) as Array<{ deviceId: string }>).map((r) => r.deviceId);

it('filters with AND, OR, NOT, parentheses, comparisons and the string functions', () => {
  expect(ids("select * from devices where status = 'enabled' and cloudToDeviceMessageCount > 1")).toEqual(['a1']);
  expect(ids("SELECT * FROM devices WHERE NOT (status = 'enabled') OR devices.deviceId = 'a1'")).toEqual(['a1', 'a2']);
  expect(ids("select * from devices where status <> 'enabled'")).toEqual(['a2']);
  expect(ids('select * from devices where cloudToDeviceMessageCount <= 1')).toEqual(['a2', "b'1"]);
  expect(ids("select * from devices where ENDSWITH(deviceId, '1') AND capabilities.iotEdge = false")).toEqual(['a1', "b'1"]);
  expect(ids("select * from devices where deviceId = 'b''1'")).toEqual(["b'1"]);
  expect(ids('select * from devices where deviceId = "a2"')).toEqual(['a2']);
  expect(ids('select * from devices where IS_DEFINED(tags.floor)')).toEqual([]);
  expect(ids("select * from devices where tags.floor = 'x' or status = 'disabled'")).toEqual(['a2']);
  expect(ids('select top 2 * from devices')).toEqual(['a1', 'a2']);
});

it('projects paths under their last name or alias, leaving out what a row lacks', () => {
  const result = runDeviceQuery(parseDeviceQuery('select deviceId, capabilities.iotEdge, tags.floor as Floor from devices where deviceId = \'a2\''), rows);
  expect(result).toEqual([{ deviceId: 'a2', iotEdge: true }]);
  expect(runDeviceQuery(parseDeviceQuery('select count() from devices'), rows)).toEqual([{ $1: 3 }]);
});

it('refuses what it cannot answer with an ArgumentInvalid that names the part', () => {
  const refusal = (query: string): string => {
    try {
      parseDeviceQuery(query);
    } catch (err) {
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).code).toBe('ArgumentInvalid');
      return (err as HubError).message;
    }
    throw new Error(`accepted: ${query}`);
  };
  expect(refusal('select * from devices.modules')).toMatch(/FROM devices\.modules/);
  expect(refusal('select * from devices.jobs')).toMatch(/FROM devices\.jobs/);
  expect(refusal("select * from devices where status = 'enabled' group by status")).toMatch(/GROUP clauses/);
  expect(refusal("select * from devices where lower(deviceId) = 'a'")).toMatch(/the function LOWER\(\)/);
  expect(refusal("select * from devices where deviceId = 'open")).toMatch(/not closed/);
  expect(refusal('select * from devices where')).toMatch(/ends where/);
  expect(refusal('delete from devices')).toMatch(/"delete" where SELECT was expected/);
  expect(refusal('select * from devices; drop')).toMatch(/";"/);
});
