import { parse, parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import type { LinkSkipReason, PixelOutcome, RewrittenLink } from '../../shared/api';
import { findPixelTokens, pixelHtml, trackedLinkUrl } from '../../shared/urls';
import { signLink } from '../tokens';
import { encodeAttributeValue, locateAttributeValue } from './attributeValue';
import { classifyLink } from './classifyLink';

/*
 * Inserts the open pixel and proxies http(s) links through the tracker by
 * splicing the original text at offsets parse5 reports. The document is never
 * serialised again, so entities, comments (Outlook conditional comments too),
 * whitespace, attribute order, case and quotes stay exactly as written. Only
 * the inserted pixel and the changed href values differ from the input.
 */

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];

export interface RewriteOptions {
  /** Public base URL of the tracker, as in `pixelUrl`. */
  base: string;
  token: string;
  /** The tracker's signing secret, which signs each destination for this token. */
  secret: string;
  /** False for snippets that must not carry the pixel; defaults to true. */
  insertPixel?: boolean;
}

/** One link as the rewriter found it, with where its href value sits in the input. */
export interface LinkReport extends RewrittenLink {
  /** UTF-16 offset of the href value in the input (of the comment, for links inside one). */
  sourceOffset: number;
  /** The href value as written in the input; absent for links inside comments. */
  sourceText?: string;
}

export interface RewriteResult {
  html: string;
  pixel: PixelOutcome;
  /** UTF-16 offset in the input where the pixel was inserted; null when it was not. */
  pixelOffset: number | null;
  /** Every link found, in source order. */
  links: LinkReport[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const BYTE_ORDER_MARK = '\uFEFF';
const LINK_ELEMENTS = new Set(['a', 'area']);
const HTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/** Rewrites an email body for tracking; see the file comment for what changes. */
export function rewriteEmailHtml(html: string, options: RewriteOptions): RewriteResult {
  // A byte order mark is not whitespace to the parser: it would open an implied
  // <body> and hide the location of the real one, so it is parsed past.
  const skipped = html.startsWith(BYTE_ORDER_MARK) ? 1 : 0;
  const document = parse(html.slice(skipped), { sourceCodeLocationInfo: true });

  const links: LinkReport[] = [];
  const edits: Edit[] = [];
  const seenSpans = new Set<number>();
  let pixelPresent = false;

  // Depth-first walk in tree order with an explicit stack, so deeply nested
  // markup cannot overflow the call stack.
  const stack: Array<{ node: Node; quoted: boolean }> = [{ node: document, quoted: false }];
  while (stack.length > 0) {
    const { node, quoted } = stack.pop()!;

    if (node.nodeName === '#comment') {
      links.push(...linksInConditionalComment(node as DefaultTreeAdapterMap['commentNode'], skipped));
      continue;
    }
    if (!('childNodes' in node) || node.nodeName === 'template') continue;

    let insideQuote = quoted;
    if (isElement(node) && node.namespaceURI === HTML_NAMESPACE) {
      insideQuote = quoted || isQuoteBlock(node);
      if (node.tagName === 'img' && hasOwnPixel(node, options, insideQuote)) pixelPresent = true;
      if (LINK_ELEMENTS.has(node.tagName)) {
        const link = rewriteLink(html, skipped, node, insideQuote, options, seenSpans);
        if (link) {
          links.push(link.report);
          if (link.edit) edits.push(link.edit);
        }
      }
    }

    const children = (node as ParentNode).childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], quoted: insideQuote });
  }

  let pixel: PixelOutcome = 'not_requested';
  let pixelOffset: number | null = null;
  if (options.insertPixel !== false) {
    if (pixelPresent) {
      pixel = 'present';
    } else {
      pixel = 'inserted';
      pixelOffset = skipped + pixelInsertionOffset(document);
      edits.push({ start: pixelOffset, end: pixelOffset, text: pixelHtml(options.base, options.token) });
    }
  }

  links.sort((a, b) => a.sourceOffset - b.sourceOffset);
  return { html: applyEdits(html, edits), pixel, pixelOffset, links };
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((attr) => attr.name === name)?.value;
}

/**
 * True for the wrapper of a quoted earlier message: Gmail marks it with the
 * class "gmail_quote"; Apple Mail and Thunderbird use <blockquote type="cite">.
 */
function isQuoteBlock(element: Element): boolean {
  const classes = (attribute(element, 'class') ?? '').split(/[\t\n\f\r ]+/);
  if (classes.includes('gmail_quote')) return true;
  return element.tagName === 'blockquote' && (attribute(element, 'type') ?? '').toLowerCase() === 'cite';
}

/**
 * True when an <img> is this tracker's pixel and counts as the message's own:
 * one with this token anywhere, or with any token outside quoted messages (a
 * quoted reply carries the earlier message's pixel, which does not count).
 */
function hasOwnPixel(img: Element, options: RewriteOptions, quoted: boolean): boolean {
  const tokens = findPixelTokens(attribute(img, 'src') ?? '', options.base);
  return tokens.includes(options.token) || (tokens.length > 0 && !quoted);
}

function rewriteLink(
  html: string,
  skipped: number,
  element: Element,
  quoted: boolean,
  options: RewriteOptions,
  seenSpans: Set<number>,
): { report: LinkReport; edit?: Edit } | null {
  const href = attribute(element, 'href');
  const span = element.sourceCodeLocation?.attrs?.href;
  // Without an href an <a> is no link. The parser reopens a misnested <a> as a
  // copy carrying the same attribute location, which must be spliced only once.
  if (href === undefined || !span) return null;
  const start = skipped + span.startOffset;
  if (seenSpans.has(start)) return null;
  seenSpans.add(start);

  const value = locateAttributeValue(html, start, skipped + span.endOffset, 'href');
  const sourceText = html.slice(value.start, value.end);
  const base = { href, sourceOffset: value.start, sourceText };

  if (quoted) return { report: skippedLink(base, 'quoted', 'the link is inside a quoted earlier message') };
  const decision = classifyLink(href, options.base);
  if (!decision.track) return { report: skippedLink(base, decision.reason, decision.message) };

  const signature = signLink(options.secret, options.token, decision.destination);
  const trackedUrl = trackedLinkUrl(options.base, options.token, signature, decision.destination);
  const encoded = encodeAttributeValue(trackedUrl, value.quote);
  return {
    report: { ...base, tracked: true, destination: decision.destination, trackedUrl },
    edit: { start: value.start, end: value.end, text: encoded.prefix + encoded.text + encoded.suffix },
  };
}

function skippedLink(
  base: { href: string; sourceOffset: number; sourceText?: string },
  reason: LinkSkipReason,
  message: string,
): LinkReport {
  return { ...base, tracked: false, reason, message };
}

// "[if mso]>", "[if gte mso 9]>", "[if !IE]>": the data of a downlevel-hidden conditional comment.
const CONDITIONAL_COMMENT = /^\[if [^\]]*\]>/i;

/**
 * Lists the links inside an Outlook conditional comment as skipped. Comments are
 * kept byte for byte, so these links stay untracked. The list shows the caller
 * which links Outlook readers can click without being counted.
 */
function linksInConditionalComment(comment: DefaultTreeAdapterMap['commentNode'], skipped: number): LinkReport[] {
  // Most conditional comments only open or close a table for Outlook; parsing
  // just those that mention an href keeps this cheap.
  if (!comment.data.toLowerCase().includes('href') || !CONDITIONAL_COMMENT.test(comment.data)) return [];
  const offset = skipped + (comment.sourceCodeLocation?.startOffset ?? 0);
  const found: LinkReport[] = [];
  const stack: Node[] = [parseFragment(comment.data)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isElement(node)) {
      const href = attribute(node, 'href');
      // VML buttons (<v:roundrect href>) carry the link Outlook shows in place of an <a>.
      if (href !== undefined && (LINK_ELEMENTS.has(node.tagName) || node.tagName.startsWith('v:'))) {
        found.push(
          skippedLink({ href, sourceOffset: offset }, 'conditional_comment', 'the link is inside an Outlook conditional comment'),
        );
      }
    }
    if ('childNodes' in node) {
      const children = node.childNodes;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return found;
}

/**
 * Finds where the pixel goes, as an offset into the parsed text: right after an
 * explicit <body> start tag; otherwise before the first content of the body, so
 * a leading doctype, <head>, <style> or comment stays in front of it.
 */
function pixelInsertionOffset(document: DefaultTreeAdapterMap['document']): number {
  const htmlElement = document.childNodes.find((node): node is Element => isElement(node) && node.tagName === 'html');
  if (!htmlElement) return 0;
  const body = htmlElement.childNodes.find((node): node is Element => isElement(node) && node.tagName === 'body');
  const bodyTag = body?.sourceCodeLocation?.startTag;
  if (bodyTag) return bodyTag.endOffset;

  if (body) {
    // Foster parenting can move text ahead of the table it was written in, so
    // the earliest offset is taken rather than the first child's.
    let first = Infinity;
    for (const child of body.childNodes) first = Math.min(first, firstOffset(child));
    if (first !== Infinity) return first;
  }

  // An empty body: after whatever comes before it.
  let after = 0;
  for (const node of [...document.childNodes, ...htmlElement.childNodes]) {
    if (node === htmlElement || node === body) continue;
    after = Math.max(after, lastOffset(node));
  }
  return Math.max(after, htmlElement.sourceCodeLocation?.startTag?.endOffset ?? 0);
}

function firstOffset(node: Node): number {
  const location = 'sourceCodeLocation' in node ? node.sourceCodeLocation : undefined;
  if (location) return location.startOffset;
  let first = Infinity;
  if ('childNodes' in node) for (const child of node.childNodes) first = Math.min(first, firstOffset(child));
  return first;
}

function lastOffset(node: Node): number {
  const location = 'sourceCodeLocation' in node ? node.sourceCodeLocation : undefined;
  let last = location ? location.endOffset : 0;
  if ('childNodes' in node) for (const child of node.childNodes) last = Math.max(last, lastOffset(child));
  return last;
}

/** Applies non-overlapping edits to `text`; edits at the same offset keep their order. */
function applyEdits(text: string, edits: Edit[]): string {
  const ordered = edits.map((edit, index) => ({ edit, index }));
  ordered.sort((a, b) => a.edit.start - b.edit.start || a.index - b.index);
  const parts: string[] = [];
  let position = 0;
  for (const { edit } of ordered) {
    if (edit.start < position) throw new Error(`Overlapping edits at offset ${edit.start}`);
    parts.push(text.slice(position, edit.start), edit.text);
    position = edit.end;
  }
  parts.push(text.slice(position));
  return parts.join('');
}
