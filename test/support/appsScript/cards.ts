import type { AddonEvent } from '../../../addon/events';
import type { ActionJson, CardJson, TextButtonJson, WidgetJson } from './cardService';

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
      else if (widget.type === 'ButtonSet') texts.push(...widget.buttons.map((button) => button.text));
      else if (widget.type === 'SelectionInput') texts.push(...(widget.title ? [widget.title] : []), ...widget.items.map((item) => item.text));
      else texts.push(widget.text);
      if (widget.type === 'DecoratedText' && widget.button) texts.push(widget.button.text);
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

/** Every button on the card, also those in button sets and beside decorated text, in order. */
export function buttons(card: CardJson): TextButtonJson[] {
  return widgets(card).flatMap((widget) => {
    if (widget.type === 'TextButton') return [widget];
    if (widget.type === 'ButtonSet') return widget.buttons;
    if (widget.type === 'DecoratedText' && widget.button) return [widget.button];
    return [];
  });
}

/** The action of the button with this text: its click action, or the action that builds its compose window. */
export function findButton(card: CardJson, text: string): ActionJson {
  const button = buttons(card).find((candidate) => candidate.text === text);
  const action = button?.onClick ?? button?.compose?.action;
  if (!action) {
    throw new Error(`no button "${text}" with an action on the card; buttons: ${buttons(card).map((b) => b.text).join(', ') || 'none'}`);
  }
  return action;
}

export function hasButton(card: CardJson, text: string): boolean {
  return buttons(card).some((button) => button.text === text);
}

/** DecoratedText widgets, the card's list rows. */
export function rows(card: CardJson): Array<Extract<WidgetJson, { type: 'DecoratedText' }>> {
  return widgets(card).flatMap((widget) => (widget.type === 'DecoratedText' ? [widget] : []));
}

export interface EventContext {
  timeZone?: string;
  gmail?: AddonEvent['gmail'];
}

/** Form input values by field name; a list for selection inputs, which send one value per checked item. */
export type FormValues = Record<string, string | string[]>;

export function commonEvent(context: EventContext, parameters: Record<string, string> = {}, inputs: FormValues = {}): AddonEvent {
  const formInputs: Record<string, { stringInputs: { value: string[] } }> = {};
  for (const [name, value] of Object.entries(inputs)) formInputs[name] = { stringInputs: { value: Array.isArray(value) ? value : [value] } };
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
export function clickEvent(action: ActionJson, context: EventContext, inputs: FormValues = {}): AddonEvent {
  return commonEvent(context, action.parameters, inputs);
}
