// Lint rules, including the layer boundaries of docs/architecture.md: each folder may import only what
// sits below it, so the layers cannot drift.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sdk = ['azure-iothub', 'azure-iothub/*', 'azure-iot-*', 'azure-iot-*/*'];
const ui = ['ink', 'ink/*', 'react', 'react/*', 'ink-testing-library'];
const hubMessage = 'hub/ is the embedded IoT Hub: it never imports the SDK clients, the TUI or the CLI.';
const hubCoreMessage = 'hub/core/ is the hub behind its facade: no protocol library (aedes, rhea, mqtt-packet, ws, node:net/tls/http/https) and no adapter (hub/mqtt, hub/amqp, hub/http) or other hub file; the adapters call it.';
const hubEngines = ['aedes', 'aedes/*', 'aedes-*', 'rhea', 'rhea/*', 'better-sqlite3', 'ws', 'selfsigned'];

/** A no-restricted-imports rule: package patterns plus relative folders, each with the reason. */
function boundary(message, packages, folders) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: packages, message },
          ...folders.map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}`], message })),
        ],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='describe'][property.name='only']", message: 'No focused tests.' },
        { selector: "MemberExpression[object.name='it'][property.name='only']", message: 'No focused tests.' },
        { selector: "MemberExpression[object.name='test'][property.name='only']", message: 'No focused tests.' },
        { selector: "MemberExpression[property.name='skip']", message: 'No skipped tests left behind.' },
        { selector: "Property[key.name='rejectUnauthorized'][value.value=false]", message: 'TLS verification stays on: hand the hub CA to the client.' },
        { selector: "Literal[value='NODE_TLS_REJECT_UNAUTHORIZED']", message: 'TLS verification stays on: hand the hub CA to the client.' },
      ],
    },
  },
  {
    // Fixtures that play "a user's own program", written the way users write them: CommonJS, plain SDK.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**'],
    rules: boundary('core/ is pure domain code: it imports no other layer and no third-party package.', [...sdk, ...ui, ...hubEngines, 'yargs'], ['hub', 'clients', 'tui', 'cli']),
  },
  {
    files: ['src/hub/**'],
    rules: boundary(hubMessage, [...sdk, ...ui, 'yargs'], ['clients', 'tui', 'cli']),
  },
  {
    // The hub's core (the facade and the state behind it) knows no protocol: the adapters around it do.
    files: ['src/hub/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['net', 'tls', 'http', 'https', 'http2', 'dgram'].flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: hubCoreMessage })),
          patterns: [
            { group: [...sdk, ...ui, 'yargs', 'aedes', 'aedes/*', 'aedes-*', 'rhea', 'rhea/*', 'mqtt-packet', 'mqtt-packet/*', 'ws', 'ws/*'], message: hubCoreMessage },
            // Only itself and src/core: no adapter folder (mqtt/, amqp/, http/) nor any other hub file.
            { regex: '^\\.\\./(?!\\.\\./core/)', message: hubCoreMessage },
          ],
        },
      ],
    },
  },
  {
    // The protocol adapters reach the core through its facade (hub-core.ts) only, plus its records, errors and
    // pure auth checks: never the queues, registry, presence, store or clock behind it.
    files: ['src/hub/mqtt/**', 'src/hub/amqp/**', 'src/hub/http/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...sdk, ...ui, 'yargs'], message: hubMessage },
            ...['clients', 'tui', 'cli'].map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}`], message: hubMessage })),
            {
              regex: '^\\.\\./core/(c2d-queue|feedback-queue|registry|presence|store|clock)(\\.js)?$',
              message: 'An adapter calls the hub core through its facade (core/hub-core.ts, HubCore), not the parts behind it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/clients/**'],
    rules: boundary('clients/ wraps the Azure SDKs only: no UI, no hub internals, no CLI.', [...ui, ...hubEngines, 'yargs'], ['hub', 'tui', 'cli']),
  },
  {
    files: ['src/tui/**'],
    rules: boundary('tui/ sees clients through interfaces only: no SDK, no hub engine, no CLI.', [...sdk, ...hubEngines, 'yargs'], ['hub', 'cli']),
  },
  {
    files: ['src/cli/**', 'test/**', 'bench/**', 'scripts/**'],
    ignores: ['test/clients/**', 'test/hub/**', 'bench/**', 'test/helpers/**'],
    rules: boundary('Only src/clients/ (and the hub and client tests) import the Azure SDKs.', sdk, []),
  },
);
