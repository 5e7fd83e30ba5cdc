import { isTrackedLinkUrl } from '../../shared/urls';
import type { LinkSkipReason } from '../../shared/api';
import { checkDestination } from '../destination';

export type LinkDecision =
  | { track: true; destination: string }
  | { track: false; reason: LinkSkipReason; message: string };

// A URL scheme as the URL standard defines it: a letter, then letters, digits, "+", "-" or ".".
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const ASCII_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
// Browsers drop tabs and newlines anywhere in a URL, so "java\nscript:" is still javascript:.
const TAB_OR_NEWLINE = /[\t\n\r]/g;

/**
 * Decides whether a link is tracked, given its href value decoded once (as
 * parse5 returns it). Only absolute http(s) URLs that pass `checkDestination`
 * are tracked; every other link keeps its href exactly as written.
 */
export function classifyLink(href: string, trackerBase: string): LinkDecision {
  const trimmed = href.replace(ASCII_WHITESPACE, '');
  if (trimmed.length === 0) return skip('empty', 'the link has no URL');
  if (trimmed.startsWith('#')) return skip('anchor', 'the link points inside the message');

  const scheme = SCHEME.exec(trimmed.replace(TAB_OR_NEWLINE, ''));
  if (!scheme) return skip('relative', 'the link is relative, so its destination depends on where the message is shown');
  const name = scheme[1].toLowerCase();
  if (name !== 'http' && name !== 'https') return skip('scheme', `${name}: links are not tracked`);

  if (isTrackedLinkUrl(trimmed, trackerBase)) return skip('already_tracked', 'the link is already a tracked link');

  const check = checkDestination(href);
  if (!check.ok) return skip('invalid', check.reason);
  return { track: true, destination: check.url };
}

function skip(reason: LinkSkipReason, message: string): LinkDecision {
  return { track: false, reason, message };
}
