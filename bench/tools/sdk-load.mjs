// The SDK modules a TUI start loads (service AMQP, registry, MQTT device), loaded in this process with the code
// cache on (src/cli/code-cache.ts): from dist/cli/sdk.cjs (`bundle`) or from node_modules as the sources do
// (`modules`, dist/clients/sdk.js). Prints wall and CPU milliseconds from the first require to the last.
//   npm run build && node bench/tools/sdk-load.mjs bundle|modules [name,name,...]
// Alternate the two in a loop and compare medians; the first run of each writes its code cache entries.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const root = new URL('../../', import.meta.url);
const TUI_START = [
  'azure-iothub/dist/client.js', 'azure-iothub/dist/amqp.js', 'azure-iothub/dist/common-amqp/amqp.js', 'azure-iothub/dist/common-core/message.js',
  'azure-iothub/dist/amqp_service_errors.js', 'azure-iothub/dist/common-amqp/amqp_message.js', 'azure-iothub/dist/registry.js',
  'azure-iot-device', 'azure-iot-common', 'azure-iot-device-mqtt', 'azure-iot-mqtt-base > mqtt > mqtt-packet',
];
const [mode, list] = process.argv.slice(2);
const names = list ? list.split(',') : TUI_START;
const { installCodeCache } = await import(new URL('dist/cli/code-cache.js', root).href);
installCodeCache();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { sdk } = mode === 'bundle' ? createRequire(root)('./dist/cli/sdk.cjs') : await import(new URL('dist/clients/sdk.js', root).href);
for (const name of names) sdk(name);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ mode, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }));
