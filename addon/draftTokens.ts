/*
 * Tokens of tracked drafts, keyed by the compose session's random draft key.
 * "Track this email" returns a draft update, which cannot also redraw the card,
 * so the card's later "Insert tracked link" finds the token here.
 */

/** CacheService's longest expiration, in seconds (6 hours). */
const DRAFT_TOKEN_TTL_SECONDS = 21600;

export interface DraftTokenStore {
  get(draftKey: string): string | null;
  put(draftKey: string, token: string): void;
}

/**
 * Stores draft tokens in the user's CacheService cache. NOTE: entries expire after
 * 6 hours, so a draft left open longer shows as untracked and cannot get tracked links.
 */
export function userCacheDraftTokens(): DraftTokenStore {
  const cache = CacheService.getUserCache();
  return {
    get: (draftKey) => cache?.get(cacheKey(draftKey)) ?? null,
    put: (draftKey, token) => cache?.put(cacheKey(draftKey), token, DRAFT_TOKEN_TTL_SECONDS),
  };
}

function cacheKey(draftKey: string): string {
  return `draft-token:${draftKey}`;
}
