// Ink imports react-devtools-core only when DEV=true; the bundle gets this stand-in instead of a package
// we do not ship.
export default { initialize() {}, connectToDevTools() {} };
