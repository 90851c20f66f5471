/**
 * azure-iot-device's twin module (`dist/twin.js`) requires `traverse` as it loads, and traverse 0.6 pulls in
 * about 200 small polyfill modules (es-abstract and company): three quarters of the modules a device
 * connection loads, about 110 ms of every `receive` and TUI start on this machine, for twin operations no
 * command runs. For that one module, `traverse` is a stand-in that loads the real one when first called
 * (docs/sdk-notes.md). Installed before the device SDK is required; any other module gets the real one.
 */
import Module from 'node:module';
import { sep } from 'node:path';

interface Loader {
  _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
}

const TWIN = `${sep}azure-iot-device${sep}dist${sep}twin.js`;
let installed = false;

export function deferTraverse(): void {
  if (installed) return;
  installed = true;
  const loader = Module as unknown as Loader;
  const load = loader._load;
  loader._load = function (request, parent, isMain) {
    if (request !== 'traverse' || !parent?.filename?.endsWith(TWIN)) return load.call(this, request, parent, isMain);
    let real: ((...args: unknown[]) => unknown) | undefined;
    return function traverse(this: unknown, ...args: unknown[]): unknown {
      real ??= load.call(loader, request, parent, false) as (...args: unknown[]) => unknown;
      return real.apply(this, args);
    };
  };
}
