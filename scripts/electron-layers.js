// The layers inside electron/, top to bottom (docs/DESIGN.md §2). A folder may
// import its own layer's folders only if they are itself, and any folder of a
// lower layer; nothing imports upward. Read by eslint.config.js (one rule per
// folder) and by test/unit/layering.test.ts (the same rule on every file).
export const electronLayers = [
  ['main', 'cli'],
  ['preload', 'ipc', 'bridge'],
  ['registry'],
  ['engine', 'lab'],
  ['services', 'reports'],
  ['runs'],
  ['ledger'],
  ['tools', 'guards'],
];

/** The folders `folder` may not import: every folder of its own layer but itself, and every folder above. */
export function forbiddenFor(folder) {
  const rank = electronLayers.findIndex((l) => l.includes(folder));
  if (rank < 0) throw new Error(`electron/${folder} is in no layer of scripts/electron-layers.js: add it there.`);
  return electronLayers.slice(0, rank + 1).flat().filter((f) => f !== folder);
}
