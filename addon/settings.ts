/*
 * The sender's settings and saved snippets, kept in the user's PropertiesService
 * store (UserProperties), which follows the sender across devices. Reading and
 * checking are separate from the store, so the checks are tested from plain data.
 */

export interface AddonSettings {
  /** Whether the compose card tracks the links and snippets it inserts. */
  trackLinks: boolean;
}

export interface Snippet {
  id: string;
  name: string;
  html: string;
}

export const DEFAULT_SETTINGS: AddonSettings = { trackLinks: true };

export const MAX_SNIPPETS = 10;
export const MAX_SNIPPET_NAME_LENGTH = 40;
/**
 * PropertiesService stores at most 9 KB per value. A snippet is stored as JSON in
 * one value, so its HTML stays below that with room for the name and the quoting.
 */
export const MAX_SNIPPET_HTML_BYTES = 8000;

export interface SettingsStore {
  read(): AddonSettings;
  write(settings: AddonSettings): void;
  listSnippets(): Snippet[];
  getSnippet(id: string): Snippet | null;
  /** Stores a snippet that passed checkSnippetInput. */
  addSnippet(snippet: Snippet): void;
  deleteSnippet(id: string): void;
}

export type SnippetCheck = { ok: true; name: string; html: string } | { ok: false; error: string };

/** Byte length of `text` in UTF-8, without TextEncoder, which Apps Script lacks. */
export function utf8Length(text: string): number {
  return unescape(encodeURIComponent(text)).length;
}

/** Checks a snippet the sender typed in the settings card against the saved ones. */
export function checkSnippetInput(rawName: string, rawHtml: string, existing: Snippet[]): SnippetCheck {
  const name = rawName.trim();
  const html = rawHtml.trim();
  if (!name) return { ok: false, error: 'Enter a name for the snippet; it is the label of its button in the compose panel.' };
  if (name.length > MAX_SNIPPET_NAME_LENGTH) {
    return { ok: false, error: `The snippet name has ${name.length} characters; use at most ${MAX_SNIPPET_NAME_LENGTH} so it fits on a button.` };
  }
  if (!html) return { ok: false, error: `Enter the text of the snippet "${name}". It may contain HTML such as <a href="https://example.com/">links</a>.` };
  const bytes = utf8Length(html);
  if (bytes > MAX_SNIPPET_HTML_BYTES) {
    return { ok: false, error: `The snippet "${name}" has ${bytes} bytes; Google's settings store takes at most ${MAX_SNIPPET_HTML_BYTES}. Shorten it.` };
  }
  if (existing.some((snippet) => snippet.name.toLowerCase() === name.toLowerCase())) {
    return { ok: false, error: `A snippet named "${name}" exists already. Delete it first or choose another name.` };
  }
  if (existing.length >= MAX_SNIPPETS) {
    return { ok: false, error: `You have ${existing.length} snippets, the most the compose panel shows. Delete one before saving another.` };
  }
  return { ok: true, name, html };
}

const SETTINGS_KEY = 'settings';
const SNIPPET_IDS_KEY = 'snippetIds';
const snippetKey = (id: string) => `snippet:${id}`;

/** Parses stored JSON; a value damaged or written by another version reads as absent. */
function parseStored(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stores settings in UserProperties: one value for the settings, one per snippet and one for the snippet order. */
export function userPropertiesSettings(): SettingsStore {
  const properties = PropertiesService.getUserProperties();

  const snippetIds = (): string[] => {
    const ids = parseStored(properties.getProperty(SNIPPET_IDS_KEY));
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  };
  const getSnippet = (id: string): Snippet | null => {
    const stored = parseStored(properties.getProperty(snippetKey(id)));
    if (!isRecord(stored) || typeof stored.name !== 'string' || typeof stored.html !== 'string') return null;
    return { id, name: stored.name, html: stored.html };
  };

  return {
    read() {
      const stored = parseStored(properties.getProperty(SETTINGS_KEY));
      const trackLinks = isRecord(stored) && typeof stored.trackLinks === 'boolean' ? stored.trackLinks : DEFAULT_SETTINGS.trackLinks;
      return { trackLinks };
    },
    write(settings) {
      properties.setProperty(SETTINGS_KEY, JSON.stringify(settings));
    },
    listSnippets() {
      return snippetIds()
        .map(getSnippet)
        .filter((snippet): snippet is Snippet => snippet !== null);
    },
    getSnippet,
    addSnippet(snippet) {
      properties.setProperty(snippetKey(snippet.id), JSON.stringify({ name: snippet.name, html: snippet.html }));
      properties.setProperty(SNIPPET_IDS_KEY, JSON.stringify([...snippetIds(), snippet.id]));
    },
    deleteSnippet(id) {
      properties.deleteProperty(snippetKey(id));
      properties.setProperty(SNIPPET_IDS_KEY, JSON.stringify(snippetIds().filter((known) => known !== id)));
    },
  };
}
