// Ink draws only the last frame, at exit, when is-in-ci says it runs in CI (CI or CONTINUOUS_INTEGRATION set).
// The bundled TUI runs only on a terminal (it refuses otherwise), where the screen must be live whatever the
// shell exports, e.g. a CI job that drives the TUI in a pseudo-terminal. Decided here, at build time, so the
// environment of the process and its children stays as the user set it.
export default false;
