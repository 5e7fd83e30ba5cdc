/*
 * Checks of the compose card's link form. The tracker checks destinations again;
 * these checks exist so the sender gets the reason next to the field at once.
 * Apps Script has no URL class, so the address is checked by pattern.
 */

/** Maximum destination length the tracker accepts, in characters. */
export const MAX_URL_LENGTH = 4096;
export const MAX_LINK_TEXT_LENGTH = 500;

export type LinkInputCheck = { ok: true; url: string; text: string } | { ok: false; error: string };

export function checkLinkInput(rawUrl: string, rawText: string): LinkInputCheck {
  const url = rawUrl.trim();
  const text = rawText.trim();

  if (!url) return { ok: false, error: 'Enter the link address, for example https://example.com/page.' };
  if (url.length > MAX_URL_LENGTH) {
    return { ok: false, error: `The link address has ${url.length} characters; the tracker accepts at most ${MAX_URL_LENGTH}.` };
  }
  if (/[\u0000-\u0020\u007f]/.test(url)) {
    return { ok: false, error: `The link address "${url}" contains spaces or control characters. Remove them and try again.` };
  }
  // Scheme, "//", then a host that starts with neither "/" nor "\": the same shape the tracker requires.
  if (!/^https?:\/\/[^/\\?#@:]/i.test(url)) {
    return {
      ok: false,
      error: `The link address "${url}" is not a full web address. Enter one that starts with https:// or http://, for example https://example.com/page.`,
    };
  }

  if (!text) return { ok: false, error: `Enter the link text for ${url}: the words the recipient clicks.` };
  if (text.length > MAX_LINK_TEXT_LENGTH) {
    return { ok: false, error: `The link text has ${text.length} characters; use at most ${MAX_LINK_TEXT_LENGTH}.` };
  }
  return { ok: true, url, text };
}
