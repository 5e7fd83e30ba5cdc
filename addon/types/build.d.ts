// Settings that scripts/build-addon.ts writes into the bundle with esbuild's `define`.

/** Base URL of the tracker, ending with "/". */
declare const __TRACKER_BASE_URL__: string;
