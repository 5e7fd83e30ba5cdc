import type { DraftBodyUpdateJson } from '../sandbox/cardService';

/*
 * Applies an add-on's draft body update to the compose body the way Gmail does:
 * IN_PLACE_INSERT replaces the selection (or inserts at the cursor),
 * INSERT_AT_START and INSERT_AT_END insert before or after everything.
 * The playground has no signature, so INSERT_AT_END is the very end.
 * Offsets are UTF-16 positions in the body's HTML as the editor serialises it.
 */

export interface Selection {
  start: number;
  end: number;
}

export interface EditedBody {
  html: string;
  /** The cursor after the edit: after inserted content, or where it was, moved along. */
  cursor: number;
}

export class DraftBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DraftBodyError';
  }
}

/** Turns one update content into HTML: TEXT is escaped, the HTML types go in as they are. */
function contentHtml(item: DraftBodyUpdateJson['contents'][number]): string {
  if (item.contentType === 'TEXT') {
    return item.content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
  }
  if (item.contentType === 'MUTABLE_HTML' || item.contentType === 'IMMUTABLE_HTML') return item.content;
  throw new DraftBodyError(`draft update content type "${item.contentType}" is unknown; expected TEXT, MUTABLE_HTML or IMMUTABLE_HTML`);
}

export function checkSelection(html: string, selection: Selection): Selection {
  const { start, end } = selection;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > html.length) {
    throw new DraftBodyError(`cursor ${start}-${end} is outside the body of ${html.length} characters; send offsets with 0 <= start <= end <= length`);
  }
  return selection;
}

export function applyDraftUpdate(html: string, selection: Selection, update: DraftBodyUpdateJson): EditedBody {
  const { start, end } = checkSelection(html, selection);
  const inserted = update.contents.map(contentHtml).join('');

  switch (update.updateType) {
    case 'IN_PLACE_INSERT':
      return { html: html.slice(0, start) + inserted + html.slice(end), cursor: start + inserted.length };
    case 'INSERT_AT_START':
      // The selection collapses to its end, shifted past the new content.
      return { html: inserted + html, cursor: end + inserted.length };
    case 'INSERT_AT_END':
      return { html: html + inserted, cursor: end };
    default:
      throw new DraftBodyError(`draft update type "${update.updateType}" is unknown; expected IN_PLACE_INSERT, INSERT_AT_START or INSERT_AT_END`);
  }
}
