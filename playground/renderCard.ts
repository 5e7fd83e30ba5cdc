import type { ActionJson, CardJson, SectionJson, TextButtonJson, WidgetJson } from '../sandbox/cardService';

/*
 * Renders recorded cards as HTML in the look of Gmail's add-on panel. Text
 * widgets carry the small HTML subset Apps Script accepts (b, i, u, s, br,
 * font color, a href). Only those tags are kept, and everything else is
 * escaped, so a card cannot put script or markup of its own into the page.
 * A button becomes a <button> with its action in data attributes; the page
 * posts that action back with the values of the card's inputs.
 */

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ATTRIBUTE_ESCAPES[char]);
}

const SIMPLE_TAGS = new Set(['b', 'i', 'u', 's', 'strong', 'em']);
const TAG_RE = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
const ENTITY_RE = /^&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);/;

function attributeValue(attributes: string, name: string): string | null {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attributes);
  return match ? (match[1] ?? match[2] ?? match[3]) : null;
}

/** Rebuilds one allowed tag from scratch, or returns null to escape it. */
function allowedTag(closing: boolean, name: string, attributes: string): string | null {
  const tag = name.toLowerCase();
  if (tag === 'br') return closing ? '' : '<br>';
  if (SIMPLE_TAGS.has(tag)) return closing ? `</${tag}>` : `<${tag}>`;
  if (tag === 'font') {
    if (closing) return '</font>';
    const color = attributeValue(attributes, 'color');
    return color && /^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]+$/.test(color) ? `<font color="${color}">` : '<font>';
  }
  if (tag === 'a') {
    if (closing) return '</a>';
    // Card links open in a new tab, as in Gmail; only http(s) and mailto addresses are kept.
    const href = decodeEntities(attributeValue(attributes, 'href') ?? '');
    return /^(https?:|mailto:)/i.test(href) ? `<a href="${escapeText(href)}" target="_blank" rel="noopener noreferrer">` : '<a>';
  }
  return null;
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] as string);
}

/** Keeps the Apps Script text subset of `html` and escapes the rest. */
export function sanitizeCardHtml(html: string): string {
  let out = '';
  let last = 0;
  for (const match of html.matchAll(TAG_RE)) {
    out += escapeLoose(html.slice(last, match.index));
    out += allowedTag(match[1] === '/', match[2], match[3]) ?? escapeText(match[0]);
    last = (match.index ?? 0) + match[0].length;
  }
  out += escapeLoose(html.slice(last));
  return out;
}

/** Escapes text between tags, keeping character references the add-on wrote (&amp;, &#39;). */
function escapeLoose(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '&' && ENTITY_RE.test(text.slice(i))) out += '&';
    else if (char in ATTRIBUTE_ESCAPES) out += ATTRIBUTE_ESCAPES[char];
    else out += char;
  }
  return out;
}

function actionAttributes(action: ActionJson): string {
  return `data-function="${escapeText(action.functionName)}" data-parameters="${escapeText(JSON.stringify(action.parameters))}"`;
}

/** A button runs an action, opens a compose window built by an action, or opens a link. */
function renderButton(button: TextButtonJson): string {
  const text = escapeText(button.text);
  if (button.onClick) return `<button type="button" class="card-button" ${actionAttributes(button.onClick)}>${text}</button>`;
  if (button.compose) return `<button type="button" class="card-button" data-compose="1" ${actionAttributes(button.compose.action)}>${text}</button>`;
  if (button.openLink) return `<button type="button" class="card-button" data-open-link="${escapeText(button.openLink)}">${text}</button>`;
  return `<button type="button" class="card-button" disabled>${text}</button>`;
}

function renderWidget(widget: WidgetJson): string {
  switch (widget.type) {
    case 'TextParagraph':
      return `<div class="card-paragraph">${sanitizeCardHtml(widget.text)}</div>`;
    case 'DecoratedText': {
      const wrap = widget.wrapText ? ' wrap' : '';
      const clickable = widget.onClick ? ` card-clickable" role="button" tabindex="0" ${actionAttributes(widget.onClick)} data-row="1` : '';
      return (
        `<div class="card-decorated${wrap}${clickable}">` +
        (widget.button ? `<div class="card-row-button">${renderButton(widget.button)}</div>` : '') +
        (widget.topLabel ? `<div class="card-top-label">${sanitizeCardHtml(widget.topLabel)}</div>` : '') +
        `<div class="card-text">${sanitizeCardHtml(widget.text)}</div>` +
        (widget.bottomLabel ? `<div class="card-bottom-label">${sanitizeCardHtml(widget.bottomLabel)}</div>` : '') +
        '</div>'
      );
    }
    case 'TextButton':
      return `<div class="card-button-row">${renderButton(widget)}</div>`;
    case 'ButtonSet':
      return `<div class="card-button-row">${widget.buttons.map(renderButton).join('')}</div>`;
    case 'SelectionInput':
      return renderSelection(widget);
    case 'TextInput': {
      const id = `input-${widget.fieldName}`;
      const field = widget.multiline
        ? `<textarea id="${escapeText(id)}" name="${escapeText(widget.fieldName)}" rows="4" placeholder=" ">${escapeText(widget.value ?? '')}</textarea>`
        : `<input id="${escapeText(id)}" name="${escapeText(widget.fieldName)}" value="${escapeText(widget.value ?? '')}" placeholder=" " autocomplete="off">`;
      return (
        '<div class="card-input">' +
        field +
        (widget.title ? `<label for="${escapeText(id)}">${escapeText(widget.title)}</label>` : '') +
        (widget.hint ? `<div class="card-hint">${escapeText(widget.hint)}</div>` : '') +
        '</div>'
      );
    }
    default: {
      const type = (widget as { type?: unknown }).type;
      return `<div class="card-unsupported">The playground cannot draw a ${escapeText(String(type))} widget yet.</div>`;
    }
  }
}

/** Check boxes, radio buttons, a switch or a drop-down; the page sends the chosen values as the field's string inputs. */
function renderSelection(widget: Extract<WidgetJson, { type: 'SelectionInput' }>): string {
  const name = escapeText(widget.fieldName);
  const title = widget.title ? `<div class="card-top-label">${escapeText(widget.title)}</div>` : '';
  if (widget.inputType === 'DROPDOWN') {
    const options = widget.items.map((item) => `<option value="${escapeText(item.value)}"${item.selected ? ' selected' : ''}>${escapeText(item.text)}</option>`);
    return `<div class="card-selection">${title}<select name="${name}">${options.join('')}</select></div>`;
  }
  const type = widget.inputType === 'RADIO_BUTTON' ? 'radio' : 'checkbox';
  const items = widget.items.map(
    (item) =>
      `<label class="card-choice${widget.inputType === 'SWITCH' ? ' switch' : ''}"><input type="${type}" name="${name}" value="${escapeText(item.value)}"${item.selected ? ' checked' : ''}> ${escapeText(item.text)}</label>`,
  );
  return `<div class="card-selection">${title}${items.join('')}</div>`;
}

function renderSection(section: SectionJson): string {
  return (
    '<section class="card-section">' +
    (section.header ? `<h3 class="card-section-header">${sanitizeCardHtml(section.header)}</h3>` : '') +
    section.widgets.map(renderWidget).join('') +
    '</section>'
  );
}

/** Renders a card; the page adds the back arrow of a pushed card. */
export function renderCard(card: CardJson): string {
  const header = card.header
    ? '<header class="card-header">' +
      '<div class="card-logo" aria-hidden="true"></div><div>' +
      `<div class="card-title">${sanitizeCardHtml(card.header.title)}</div>` +
      (card.header.subtitle ? `<div class="card-subtitle">${sanitizeCardHtml(card.header.subtitle)}</div>` : '') +
      '</div></header>'
    : '';
  return `<div class="card">${header}${card.sections.map(renderSection).join('')}</div>`;
}

/** Renders the card Gmail shows when an add-on function throws: the error, in place of the card. */
export function renderErrorCard(functionName: string, message: string): string {
  return (
    '<div class="card card-error"><header class="card-header"><div class="card-logo" aria-hidden="true"></div><div>' +
    '<div class="card-title">Add-on error</div></div></header>' +
    `<section class="card-section"><div class="card-paragraph">${escapeText(functionName)} failed: ${escapeText(message)}</div></section></div>`
  );
}
