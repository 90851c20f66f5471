/**
 * Costs of the device SDK's start that iot-c2d avoids or shares, none of which changes what the SDK sends or
 * does (docs/sdk-notes.md): the platform string of its user agent worked out once and kept between runs,
 * and mqtt-packet's cache of 65,536 number buffers not filled. (`traverse`, loaded late, is defer-traverse.ts.)
 */
import { platformCache } from './platform-cache.js';
import { sdk } from './sdk.js';

/**
 * The device transports put the platform in their user agent, worked out on their first connect: on Linux
 * `getos` stats release files one after another, then runs `lsb_release -a` in a shell: ~40 ms on a quiet
 * machine, ~100 ms while the TUI starts (each step waits for the busy event loop), all before the CONNECT
 * goes out; two clients connecting at once each run it. Here every caller gets one answer: the one kept from
 * an earlier run when what it depends on has not changed (platform-cache.ts), or else the SDK's, asked once
 * as soon as the SDK is loaded, and kept. Either way the same string the SDK works out (docs/sdk-notes.md).
 */
export function sharePlatformString(): void {
  const common = sdk('azure-iot-common') as { getAgentPlatformString(done: (platform: string) => void): void; platformShared?: true };
  if (common.platformShared) return;
  common.platformShared = true;
  const find = common.getAgentPlatformString;
  const cache = platformCache(Object.keys(sdk('azure-iot-common > getos/os.json') as object));
  let known = cache.known;
  const waiting: Array<(platform: string) => void> = [];
  common.getAgentPlatformString = (done) => {
    if (known === undefined) waiting.push(done);
    else done(known);
  };
  if (known !== undefined) return;
  find((answer) => {
    known = answer;
    cache.keep(answer);
    for (const done of waiting.splice(0)) done(answer);
  });
}

/**
 * mqtt-packet (the copy under azure-iot-mqtt-base's mqtt.js) fills a cache of 65,536 two-byte buffers the first
 * time it writes a packet, ~20-30 ms and some 6 MB before a device's first CONNECT goes out, to save one small
 * allocation per number written. A device writes a few numbers per message (its PUBACKs): it writes them
 * without the cache (docs/sdk-notes.md).
 */
export function mqttNumbersUncached(): void {
  const { writeToStream } = sdk('azure-iot-mqtt-base > mqtt > mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
  writeToStream.cacheNumbers = false;
}
