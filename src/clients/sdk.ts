/**
 * The Azure SDK modules the clients use, and the one place they are loaded from. Here (the sources, the tests,
 * dist/clients) they come from node_modules through Node's `require`. In the built command line this module is
 * replaced by dist/cli/sdk.cjs (scripts/bundle.mjs): the SDKs and their dependencies as one CommonJS bundle
 * holding exactly these modules, run from the code cache (cli/code-cache.ts): one file to read instead of some
 * 300 modules to resolve, stat and read (bench/README.md). Either way, a module named here is the very instance
 * the SDK itself uses, so the adjustments made to it (service-client.ts, device-sdk-start.ts) reach the SDK.
 */
import { createRequire } from 'node:module';
import { deferTraverse } from './defer-traverse.js';

/**
 * Every SDK module the clients load, by the name they load it with. A name of the form `a > b > c` is module
 * `c` as `b` requires it, `b` as `a` requires it: a copy nested in the SDK's own dependencies.
 */
export const SDK_MODULES = [
  'azure-iot-common',
  'azure-iot-common > getos/os.json',
  'azure-iot-device',
  'azure-iot-device-mqtt',
  'azure-iot-device-amqp',
  'azure-iot-device-http',
  'azure-iot-mqtt-base > mqtt > mqtt-packet',
  'azure-iothub/dist/client.js',
  'azure-iothub/dist/amqp.js',
  'azure-iothub/dist/amqp_service_errors.js',
  'azure-iothub/dist/common-amqp/amqp.js',
  'azure-iothub/dist/common-amqp/amqp_message.js',
  'azure-iothub/dist/common-core/message.js',
  'azure-iothub/dist/registry.js',
] as const;

export type SdkModule = (typeof SDK_MODULES)[number];

const require = createRequire(import.meta.url);

/** The SDK module `name` (one of SDK_MODULES), loaded on first use. */
export function sdk(name: SdkModule): unknown {
  // The device SDK's twin module gets its stand-in for `traverse` (the bundle has it from the build).
  deferTraverse();
  const path = name.split(' > ');
  let from: NodeJS.Require = require;
  for (const step of path.slice(0, -1)) from = createRequire(from.resolve(step));
  return from(path.at(-1)!);
}
