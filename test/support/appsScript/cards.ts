import type { AddonEvent } from '../../../addon/events';
import type { ActionJson, CardJson, WidgetJson } from './cardService';

/*
 * Reading recorded cards the way a sender reads them, and building the event
 * objects Gmail would send back when the sender uses a card.
 */

export function widgets(card: CardJson): WidgetJson[] {
  return card.sections.flatMap((section) => section.widgets);
}

/** Collects every piece of text on the card, in order, with HTML tags removed. */
export function visibleText(card: CardJson): string[] {
  const texts: string[] = [];
  if (card.header) texts.push(card.header.title, ...(card.header.subtitle ? [card.header.subtitle] : []));
  for (const section of card.sections) {
    if (section.header) texts.push(section.header);
    for (const widget of section.widgets) {
      if (widget.type === 'DecoratedText') texts.push(...[widget.topLabel, widget.text, widget.bottomLabel].filter((text): text is string => !!text));
      else if (widget.type === 'TextInput') texts.push(...[widget.title, widget.value].filter((text): text is string => !!text));
      else texts.push(widget.text);
    }
  }
  return texts.map(stripTags);
}

export function stripTags(html: string): string {
  return html
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

export function findButton(card: CardJson, text: string): ActionJson {
  const button = widgets(card).find((widget) => widget.type === 'TextButton' && widget.text === text);
  if (!button || button.type !== 'TextButton') {
    const buttons = widgets(card).flatMap((widget) => (widget.type === 'TextButton' ? [widget.text] : []));
    throw new Error(`no button "${text}" on the card; buttons: ${buttons.join(', ') || 'none'}`);
  }
  return button.onClick;
}

export function hasButton(card: CardJson, text: string): boolean {
  return widgets(card).some((widget) => widget.type === 'TextButton' && widget.text === text);
}

/** DecoratedText widgets, the card's list rows. */
export function rows(card: CardJson): Array<Extract<WidgetJson, { type: 'DecoratedText' }>> {
  return widgets(card).flatMap((widget) => (widget.type === 'DecoratedText' ? [widget] : []));
}

export interface EventContext {
  timeZone?: string;
  gmail?: AddonEvent['gmail'];
}

export function commonEvent(context: EventContext, parameters: Record<string, string> = {}, inputs: Record<string, string> = {}): AddonEvent {
  const formInputs: Record<string, { stringInputs: { value: string[] } }> = {};
  for (const [name, value] of Object.entries(inputs)) formInputs[name] = { stringInputs: { value: [value] } };
  return {
    commonEventObject: {
      hostApp: 'GMAIL',
      platform: 'WEB',
      userLocale: 'en',
      timeZone: { id: context.timeZone ?? 'Etc/UTC', offset: '0' },
      parameters,
      formInputs: formInputs as NonNullable<AddonEvent['commonEventObject']>['formInputs'],
    },
    ...(context.gmail ? { gmail: context.gmail } : {}),
  };
}

/** Builds the event Gmail sends when the sender clicks a button whose action is `action`. */
export function clickEvent(action: ActionJson, context: EventContext, inputs: Record<string, string> = {}): AddonEvent {
  return commonEvent(context, action.parameters, inputs);
}
