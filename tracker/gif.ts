/** A transparent 1x1 GIF89a (42 bytes): a two-colour palette and a transparency extension. */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Keeps Gmail's image proxy and browsers from caching, so each re-open reaches the tracker. */
export const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';
