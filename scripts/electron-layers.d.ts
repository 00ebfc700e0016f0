/** Types of scripts/electron-layers.js (read by eslint.config.js and the layering test). */
export declare const electronLayers: string[][];
export declare function forbiddenFor(folder: string): string[];
