#!/usr/bin/env node
// `npm run dist` builds the Electron app with electron-builder, which (like
// Electron 45 itself) needs Node.js 22.12 or newer. The CLI, browser mode and
// the test suite run on Node.js 20.19+, so `engines` says that; this guard
// stops an Electron build on an older Node with one clear line instead of an
// EBADENGINE warning followed by an obscure failure.
const [need = '22.12.0'] = process.argv.slice(2);
const parse = (v) => v.replace(/^v/, '').split('.').map(Number);
const [a, b, c = 0] = parse(process.version);
const [x, y, z = 0] = parse(need);
const ok = a > x || (a === x && (b > y || (b === y && c >= z)));
if (!ok) {
  process.stderr.write(`Building the Electron app needs Node.js ${need} or newer (Electron's requirement); this is ${process.version}.\n` +
    'hint: use Node.js 22.12+ for `npm run dist`; the CLI, browser mode and `npm test` work on Node.js 20.19+.\n');
  process.exit(2);
}
