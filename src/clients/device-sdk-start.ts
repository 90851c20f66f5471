/**
 * Costs of the device SDK's start that iot-c2d avoids or shares, none of which changes what the SDK sends or
 * does (docs/sdk-notes.md): the platform string of its user agent worked out once, and mqtt-packet's cache of
 * 65,536 number buffers not filled. (`traverse`, loaded late, is defer-traverse.ts.)
 */
import { sdk } from './sdk.js';

/**
 * The device transports put the platform in their user agent, worked out on their first connect: on Linux
 * `getos` stats release files one after another, then runs `lsb_release -a` in a shell: ~110 ms on a quiet
 * machine, several times that while the TUI starts (each step waits for the busy event loop), all before the
 * CONNECT goes out; two clients connecting at once each run it. Here it is asked once, as soon as the SDK is
 * loaded, and every caller gets that one answer (the same string; docs/sdk-notes.md).
 */
export function sharePlatformString(): void {
  const common = sdk('azure-iot-common') as { getAgentPlatformString(done: (platform: string) => void): void; platformShared?: true };
  if (common.platformShared) return;
  common.platformShared = true;
  const find = common.getAgentPlatformString;
  let known: string | undefined;
  const waiting: Array<(platform: string) => void> = [];
  common.getAgentPlatformString = (done) => {
    if (known === undefined) waiting.push(done);
    else done(known);
  };
  find((platform) => {
    known = platform;
    for (const done of waiting.splice(0)) done(platform);
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
