/*
 * Finding and replacing one attribute value inside the original HTML text.
 * parse5 reports where a whole attribute (`name = "value"`) starts and ends;
 * these helpers find the value inside that span so a rewrite can splice just
 * the value and keep the name's case, the spacing around "=" and the quotes.
 */

export type QuoteStyle = '"' | "'" | 'none';

/** Where an attribute's value sits in the source text, as UTF-16 offsets. */
export interface AttributeValueSpan {
  /** First character of the value, after any opening quote. */
  start: number;
  /** Just after the last character of the value, before any closing quote. */
  end: number;
  quote: QuoteStyle;
  /** False for an attribute written without "=" (`<a href>`). */
  hasValue: boolean;
}

const ATTRIBUTE_WHITESPACE = new Set(['\t', '\n', '\f', '\r', ' ']);

/**
 * Locates the value of the attribute written at `html[start, end)`, which
 * must be the span parse5 reported for an attribute named `name`. Throws when
 * the span does not start with that name, because splicing a wrong span would
 * corrupt the message.
 */
export function locateAttributeValue(html: string, start: number, end: number, name: string): AttributeValueSpan {
  const written = html.slice(start, start + name.length);
  if (written.toLowerCase() !== name) {
    throw new Error(`Attribute span at offset ${start} starts with "${written}", not "${name}"; the source locations do not match the text`);
  }

  let i = start + name.length;
  while (i < end && ATTRIBUTE_WHITESPACE.has(html[i])) i++;
  if (i >= end || html[i] !== '=') return { start: end, end, quote: 'none', hasValue: false };
  i++;
  while (i < end && ATTRIBUTE_WHITESPACE.has(html[i])) i++;

  const first = html[i];
  if (first === '"' || first === "'") {
    // The span ends after the closing quote; an unterminated quote only happens
    // at the end of the input, where parse5 drops the element anyway.
    const closed = end - 1 > i && html[end - 1] === first;
    return { start: i + 1, end: closed ? end - 1 : end, quote: first, hasValue: true };
  }
  return { start: i, end, quote: 'none', hasValue: true };
}

// Characters that end an unquoted attribute value or make it a parse error.
const UNSAFE_UNQUOTED = /[\t\n\f\r "'=<>`]/;

/**
 * Writes `value` as attribute text for the given quote style: "&" becomes
 * "&amp;" and the enclosing quote becomes a character reference, so parsing it
 * back yields `value` exactly. An unquoted value that would need quoting gets
 * double quotes, returned in `prefix` and `suffix`.
 */
export function encodeAttributeValue(value: string, quote: QuoteStyle): { prefix: string; text: string; suffix: string } {
  let text = value.replace(/&/g, '&amp;');
  if (quote === '"') return { prefix: '', text: text.replace(/"/g, '&quot;'), suffix: '' };
  if (quote === "'") return { prefix: '', text: text.replace(/'/g, '&#39;'), suffix: '' };
  if (text.length > 0 && !UNSAFE_UNQUOTED.test(text)) return { prefix: '', text, suffix: '' };
  text = text.replace(/"/g, '&quot;');
  return { prefix: '"', text, suffix: '"' };
}
