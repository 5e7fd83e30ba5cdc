/// <reference types="google-apps-script" />
/*
 * A CardService that records each card as a plain JSON tree, so tests assert what
 * the sender would read. Only the builders and methods the add-on uses exist, and
 * each class implements the @types/google-apps-script interface for those methods.
 * It throws where Apps Script would drop or reject something: more than 100 widgets
 * on a card, a draft body update without setUpdateType, an action function name
 * that is not a global function of the loaded bundle, a parameter that is not a string.
 */
type CS = typeof GoogleAppsScript.Card_Service;

/**
 * Methods K of the Apps Script interface T, with the same parameters. A method that
 * returns T for chaining may return the fake itself, so a fake can implement only
 * the methods the add-on calls.
 */
export type Implements<T, K extends keyof T> = {
  [P in K]: T[P] extends (...args: infer A) => infer R ? (...args: A) => R extends T ? unknown : R : T[P];
};
type CardServiceApi = GoogleAppsScript.Card_Service.CardService;

/** Widgets a card shows at most; Apps Script drops the sections past it. */
export const MAX_WIDGETS_PER_CARD = 100;

export interface ActionJson {
  functionName: string;
  parameters: Record<string, string>;
}

/** A button runs an action, or opens a compose window built by an action (`setComposeAction`). */
export type TextButtonJson = {
  type: 'TextButton';
  text: string;
  onClick?: ActionJson;
  compose?: { action: ActionJson; composedEmailType: string };
  openLink?: string;
};

export type WidgetJson =
  | { type: 'TextParagraph'; text: string }
  | {
      type: 'DecoratedText';
      topLabel?: string;
      text: string;
      bottomLabel?: string;
      wrapText?: boolean;
      onClick?: ActionJson;
      button?: TextButtonJson;
    }
  | TextButtonJson
  | { type: 'ButtonSet'; buttons: TextButtonJson[] }
  | { type: 'TextInput'; fieldName: string; title?: string; hint?: string; value?: string; multiline?: boolean }
  | {
      type: 'SelectionInput';
      fieldName: string;
      title?: string;
      inputType: string;
      items: Array<{ text: string; value: string; selected: boolean }>;
    };

export interface SectionJson {
  header?: string;
  collapsible?: boolean;
  /** Widgets shown while a collapsible section is collapsed. */
  uncollapsibleWidgets?: number;
  widgets: WidgetJson[];
}

export interface CardJson {
  type: 'Card';
  header?: { title: string; subtitle?: string };
  sections: SectionJson[];
}

export interface DraftBodyUpdateJson {
  contents: Array<{ content: string; contentType: string }>;
  updateType: string;
}

export interface NavigationJson {
  updateCard?: CardJson;
  pushCard?: CardJson;
  popCard?: true;
  popToRoot?: true;
}

/** A draft a compose action hands to Gmail; `record` is what the GmailApp fake stored. */
export interface ComposeDraftJson {
  draftId: string;
}

export type ResponseJson =
  | { type: 'ActionResponse'; navigation: NavigationJson; notification?: string }
  | { type: 'UpdateDraftActionResponse'; body: DraftBodyUpdateJson }
  | { type: 'UniversalActionResponse'; cards: CardJson[] }
  | { type: 'ComposeActionResponse'; draft: ComposeDraftJson };

export class CardServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardServiceError';
  }
}

interface Recorded<T> {
  toJson(): T;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new CardServiceError(`${field} is not set`);
  return value;
}

/** Unwraps a value the add-on passed in, which must be one of this fake's objects. */
function recorded<T>(value: unknown, description: string): Recorded<T> {
  if (typeof value !== 'object' || value === null || typeof (value as Recorded<T>).toJson !== 'function') {
    throw new CardServiceError(`${description} is not an object made by this CardService`);
  }
  return value as Recorded<T>;
}

export class FakeCardHeader implements Implements<GoogleAppsScript.Card_Service.CardHeader, 'setTitle' | 'setSubtitle'> {
  private title?: string;
  private subtitle?: string;
  setTitle(title: string): this {
    this.title = title;
    return this;
  }
  setSubtitle(subtitle: string): this {
    this.subtitle = subtitle;
    return this;
  }
  toJson(): CardJson['header'] {
    return { title: required(this.title, 'CardHeader title'), ...(this.subtitle !== undefined ? { subtitle: this.subtitle } : {}) };
  }
}

export class FakeTextParagraph implements Implements<GoogleAppsScript.Card_Service.TextParagraph, 'setText'> {
  private text?: string;
  setText(text: string): this {
    this.text = text;
    return this;
  }
  toJson(): WidgetJson {
    return { type: 'TextParagraph', text: required(this.text, 'TextParagraph text') };
  }
}

export class FakeDecoratedText
  implements
    Implements<
      GoogleAppsScript.Card_Service.DecoratedText,
      'setTopLabel' | 'setText' | 'setBottomLabel' | 'setWrapText' | 'setOnClickAction' | 'setButton'
    >
{
  private fields: { topLabel?: string; text?: string; bottomLabel?: string; wrapText?: boolean } = {};
  private action?: Recorded<ActionJson>;
  private button?: Recorded<WidgetJson>;
  setOnClickAction(action: GoogleAppsScript.Card_Service.Action): this {
    this.action = recorded<ActionJson>(action, 'DecoratedText action');
    return this;
  }
  setButton(button: GoogleAppsScript.Card_Service.Button): this {
    this.button = recorded<WidgetJson>(button, 'DecoratedText button');
    return this;
  }
  setTopLabel(text: string): this {
    this.fields.topLabel = text;
    return this;
  }
  setText(text: string): this {
    this.fields.text = text;
    return this;
  }
  setBottomLabel(text: string): this {
    this.fields.bottomLabel = text;
    return this;
  }
  setWrapText(wrapText: boolean): this {
    this.fields.wrapText = wrapText;
    return this;
  }
  toJson(): WidgetJson {
    const button = this.button?.toJson();
    if (button && button.type !== 'TextButton') throw new CardServiceError('DecoratedText button is not a TextButton');
    return {
      type: 'DecoratedText',
      ...this.fields,
      text: required(this.fields.text, 'DecoratedText text'),
      ...(this.action ? { onClick: this.action.toJson() } : {}),
      ...(button ? { button } : {}),
    };
  }
}

export class FakeAction implements Implements<GoogleAppsScript.Card_Service.Action, 'setFunctionName' | 'setParameters'> {
  private functionName?: string;
  private parameters: Record<string, string> = {};
  constructor(private readonly isGlobalFunction: (name: string) => boolean) {}
  setFunctionName(functionName: string): this {
    if (!this.isGlobalFunction(functionName)) {
      throw new CardServiceError(`Action function "${functionName}" is not a global function of the loaded add-on, so Apps Script could not call it`);
    }
    this.functionName = functionName;
    return this;
  }
  setParameters(parameters: Record<string, string>): this {
    const copy: Record<string, string> = {};
    for (const [key, value] of Object.entries(parameters)) {
      if (typeof value !== 'string') throw new CardServiceError(`Action parameter "${key}" is a ${typeof value}; Apps Script accepts only strings`);
      copy[key] = value;
    }
    this.parameters = copy;
    return this;
  }
  toJson(): ActionJson {
    return { functionName: required(this.functionName, 'Action function name'), parameters: { ...this.parameters } };
  }
}

export class FakeTextButton
  implements Implements<GoogleAppsScript.Card_Service.TextButton, 'setText' | 'setOnClickAction' | 'setComposeAction' | 'setOpenLink'>
{
  private text?: string;
  private action?: Recorded<ActionJson>;
  private compose?: { action: Recorded<ActionJson>; composedEmailType: string };
  private openLink?: Recorded<string>;
  setText(text: string): this {
    this.text = text;
    return this;
  }
  setOnClickAction(action: GoogleAppsScript.Card_Service.Action): this {
    this.action = recorded<ActionJson>(action, 'TextButton action');
    return this;
  }
  setComposeAction(action: GoogleAppsScript.Card_Service.Action, composedEmailType: GoogleAppsScript.Card_Service.ComposedEmailType): this {
    if (!(Object.values(COMPOSED_EMAIL_TYPE) as string[]).includes(composedEmailType as unknown as string)) {
      throw new CardServiceError(`setComposeAction got ${String(composedEmailType)}; use a CardService.ComposedEmailType value`);
    }
    this.compose = { action: recorded<ActionJson>(action, 'TextButton compose action'), composedEmailType: composedEmailType as unknown as string };
    return this;
  }
  setOpenLink(openLink: GoogleAppsScript.Card_Service.OpenLink): this {
    this.openLink = recorded<string>(openLink, 'TextButton open link');
    return this;
  }
  toJson(): TextButtonJson {
    const handlers = [this.action, this.compose, this.openLink].filter((value) => value !== undefined).length;
    if (handlers !== 1) throw new CardServiceError(`TextButton "${this.text}" has ${handlers} click handlers; give it exactly one`);
    return {
      type: 'TextButton',
      text: required(this.text, 'TextButton text'),
      ...(this.action ? { onClick: this.action.toJson() } : {}),
      ...(this.compose ? { compose: { action: this.compose.action.toJson(), composedEmailType: this.compose.composedEmailType } } : {}),
      ...(this.openLink ? { openLink: this.openLink.toJson() } : {}),
    };
  }
}

export class FakeOpenLink implements Implements<GoogleAppsScript.Card_Service.OpenLink, 'setUrl'> {
  private url?: string;
  /** `prefixes` are the manifest's openLinkUrlPrefixes; Apps Script blocks a link outside them. */
  constructor(private readonly prefixes: readonly string[]) {}
  setUrl(url: string): this {
    if (!this.prefixes.some((prefix) => url.startsWith(prefix))) {
      throw new CardServiceError(`OpenLink URL ${url} is not under any openLinkUrlPrefixes entry of the manifest (${this.prefixes.join(', ') || 'none'})`);
    }
    this.url = url;
    return this;
  }
  toJson(): string {
    return required(this.url, 'OpenLink URL');
  }
}

export class FakeButtonSet implements Implements<GoogleAppsScript.Card_Service.ButtonSet, 'addButton'> {
  private buttons: Array<Recorded<WidgetJson>> = [];
  addButton(button: GoogleAppsScript.Card_Service.Button): this {
    this.buttons.push(recorded<WidgetJson>(button, 'ButtonSet button'));
    return this;
  }
  toJson(): WidgetJson {
    if (this.buttons.length === 0) throw new CardServiceError('ButtonSet has no buttons');
    const buttons = this.buttons.map((button) => button.toJson());
    return { type: 'ButtonSet', buttons: buttons.filter((button): button is TextButtonJson => button.type === 'TextButton') };
  }
}

export class FakeSelectionInput
  implements Implements<GoogleAppsScript.Card_Service.SelectionInput, 'setType' | 'setFieldName' | 'setTitle' | 'addItem'>
{
  private fields: { fieldName?: string; title?: string; inputType?: string } = {};
  private items: Array<{ text: string; value: string; selected: boolean }> = [];
  setType(type: GoogleAppsScript.Card_Service.SelectionInputType): this {
    if (!(Object.values(SELECTION_INPUT_TYPE) as string[]).includes(type as unknown as string)) {
      throw new CardServiceError(`SelectionInput setType got ${String(type)}; use a CardService.SelectionInputType value`);
    }
    this.fields.inputType = type as unknown as string;
    return this;
  }
  setFieldName(fieldName: string): this {
    this.fields.fieldName = fieldName;
    return this;
  }
  setTitle(title: string): this {
    this.fields.title = title;
    return this;
  }
  addItem(text: unknown, value: unknown, selected: boolean): this {
    this.items.push({ text: String(text), value: String(value), selected });
    return this;
  }
  toJson(): WidgetJson {
    if (this.items.length === 0) throw new CardServiceError('SelectionInput has no items');
    return {
      type: 'SelectionInput',
      fieldName: required(this.fields.fieldName, 'SelectionInput field name'),
      ...(this.fields.title !== undefined ? { title: this.fields.title } : {}),
      inputType: required(this.fields.inputType, 'SelectionInput type'),
      items: this.items.map((item) => ({ ...item })),
    };
  }
}

export class FakeTextInput
  implements Implements<GoogleAppsScript.Card_Service.TextInput, 'setFieldName' | 'setTitle' | 'setHint' | 'setValue' | 'setMultiline'>
{
  private fields: { fieldName?: string; title?: string; hint?: string; value?: string; multiline?: boolean } = {};
  setMultiline(multiline: boolean): this {
    this.fields.multiline = multiline;
    return this;
  }
  setFieldName(fieldName: string): this {
    this.fields.fieldName = fieldName;
    return this;
  }
  setTitle(title: string): this {
    this.fields.title = title;
    return this;
  }
  setHint(hint: string): this {
    this.fields.hint = hint;
    return this;
  }
  setValue(value: string): this {
    this.fields.value = value;
    return this;
  }
  toJson(): WidgetJson {
    return { type: 'TextInput', ...this.fields, fieldName: required(this.fields.fieldName, 'TextInput field name') };
  }
}

export class FakeCardSection
  implements Implements<GoogleAppsScript.Card_Service.CardSection, 'setHeader' | 'addWidget' | 'setCollapsible' | 'setNumUncollapsibleWidgets'>
{
  private header?: string;
  private collapsible?: boolean;
  private uncollapsibleWidgets?: number;
  setCollapsible(collapsible: boolean): this {
    this.collapsible = collapsible;
    return this;
  }
  setNumUncollapsibleWidgets(count: number): this {
    this.uncollapsibleWidgets = count;
    return this;
  }
  private widgets: Array<Recorded<WidgetJson>> = [];
  setHeader(header: string): this {
    this.header = header;
    return this;
  }
  addWidget(widget: GoogleAppsScript.Card_Service.Widget): this {
    this.widgets.push(recorded<WidgetJson>(widget, 'widget'));
    return this;
  }
  toJson(): SectionJson {
    const widgets = this.widgets.map((widget) => widget.toJson());
    if (widgets.length === 0) throw new CardServiceError(`section "${this.header ?? '(no header)'}" has no widgets; Apps Script rejects an empty section`);
    return {
      ...(this.header !== undefined ? { header: this.header } : {}),
      ...(this.collapsible !== undefined ? { collapsible: this.collapsible } : {}),
      ...(this.uncollapsibleWidgets !== undefined ? { uncollapsibleWidgets: this.uncollapsibleWidgets } : {}),
      widgets,
    };
  }
}

/** A built card; `json` is what the sender would see. */
export class FakeCard implements Implements<GoogleAppsScript.Card_Service.Card, 'printJson'> {
  constructor(readonly json: CardJson) {}
  printJson(): string {
    return JSON.stringify(this.json, null, 2);
  }
  toJson(): CardJson {
    return this.json;
  }
}

export class FakeCardBuilder implements Implements<GoogleAppsScript.Card_Service.CardBuilder, 'setHeader' | 'addSection' | 'build'> {
  private header?: Recorded<CardJson['header']>;
  private sections: Array<Recorded<SectionJson>> = [];
  setHeader(header: GoogleAppsScript.Card_Service.CardHeader): this {
    this.header = recorded(header, 'card header');
    return this;
  }
  addSection(section: GoogleAppsScript.Card_Service.CardSection): this {
    this.sections.push(recorded<SectionJson>(section, 'card section'));
    return this;
  }
  build(): GoogleAppsScript.Card_Service.Card {
    const sections = this.sections.map((section) => section.toJson());
    if (sections.length === 0) throw new CardServiceError('a card needs at least one section');
    const widgets = sections.reduce((sum, section) => sum + section.widgets.length, 0);
    if (widgets > MAX_WIDGETS_PER_CARD) {
      throw new CardServiceError(`card has ${widgets} widgets; Apps Script shows at most ${MAX_WIDGETS_PER_CARD} and drops the sections past them`);
    }
    const header = this.header?.toJson();
    return asCard(new FakeCard({ type: 'Card', ...(header ? { header } : {}), sections }));
  }
}

export class FakeNavigation implements Implements<GoogleAppsScript.Card_Service.Navigation, 'updateCard' | 'pushCard' | 'popCard' | 'popToRoot'> {
  private json: NavigationJson = {};
  updateCard(card: GoogleAppsScript.Card_Service.Card): this {
    this.json.updateCard = recorded<CardJson>(card, 'card').toJson();
    return this;
  }
  pushCard(card: GoogleAppsScript.Card_Service.Card): this {
    this.json.pushCard = recorded<CardJson>(card, 'card').toJson();
    return this;
  }
  popCard(): this {
    this.json.popCard = true;
    return this;
  }
  popToRoot(): this {
    this.json.popToRoot = true;
    return this;
  }
  toJson(): NavigationJson {
    if (Object.keys(this.json).length === 0) throw new CardServiceError('Navigation has no step');
    return this.json;
  }
}

export class FakeNotification implements Implements<GoogleAppsScript.Card_Service.Notification, 'setText'> {
  private text?: string;
  setText(text: string): this {
    this.text = text;
    return this;
  }
  toJson(): string {
    return required(this.text, 'Notification text');
  }
}

export class FakeResponse implements Implements<GoogleAppsScript.Card_Service.ActionResponse, 'printJson'> {
  constructor(readonly json: ResponseJson) {}
  printJson(): string {
    return JSON.stringify(this.json, null, 2);
  }
}

export class FakeActionResponseBuilder
  implements Implements<GoogleAppsScript.Card_Service.ActionResponseBuilder, 'setNavigation' | 'setNotification' | 'build'>
{
  private navigation?: Recorded<NavigationJson>;
  private notification?: Recorded<string>;
  setNavigation(navigation: GoogleAppsScript.Card_Service.Navigation): this {
    this.navigation = recorded(navigation, 'navigation');
    return this;
  }
  setNotification(notification: GoogleAppsScript.Card_Service.Notification): this {
    this.notification = recorded(notification, 'notification');
    return this;
  }
  build(): GoogleAppsScript.Card_Service.ActionResponse {
    if (!this.navigation && !this.notification) throw new CardServiceError('ActionResponse has neither navigation nor notification');
    const json: ResponseJson = {
      type: 'ActionResponse',
      navigation: this.navigation ? this.navigation.toJson() : {},
      ...(this.notification ? { notification: this.notification.toJson() } : {}),
    };
    return new FakeResponse(json) as unknown as GoogleAppsScript.Card_Service.ActionResponse;
  }
}

export class FakeUniversalActionResponseBuilder
  implements Implements<GoogleAppsScript.Card_Service.UniversalActionResponseBuilder, 'displayAddOnCards' | 'build'>
{
  private cards: Array<Recorded<CardJson>> = [];
  displayAddOnCards(cards: GoogleAppsScript.Card_Service.Card[]): this {
    this.cards = cards.map((card) => recorded<CardJson>(card, 'card'));
    return this;
  }
  build(): GoogleAppsScript.Card_Service.UniversalActionResponse {
    if (this.cards.length === 0) throw new CardServiceError('UniversalActionResponse has no cards');
    const json: ResponseJson = { type: 'UniversalActionResponse', cards: this.cards.map((card) => card.toJson()) };
    return new FakeResponse(json) as unknown as GoogleAppsScript.Card_Service.UniversalActionResponse;
  }
}

/** A GmailDraft made by the GmailApp fake exposes its id this way. */
export interface DraftLike {
  getId(): string;
}

export class FakeComposeActionResponseBuilder
  implements Implements<GoogleAppsScript.Card_Service.ComposeActionResponseBuilder, 'setGmailDraft' | 'build'>
{
  private draftId?: string;
  setGmailDraft(draft: GoogleAppsScript.Gmail.GmailDraft): this {
    const id = (draft as unknown as Partial<DraftLike>)?.getId?.();
    if (typeof id !== 'string') throw new CardServiceError('setGmailDraft got no GmailDraft');
    this.draftId = id;
    return this;
  }
  build(): GoogleAppsScript.Card_Service.ComposeActionResponse {
    const json: ResponseJson = { type: 'ComposeActionResponse', draft: { draftId: required(this.draftId, 'ComposeActionResponse draft') } };
    return new FakeResponse(json) as unknown as GoogleAppsScript.Card_Service.ComposeActionResponse;
  }
}

export class FakeUpdateDraftBodyAction implements Implements<GoogleAppsScript.Card_Service.UpdateDraftBodyAction, 'addUpdateContent' | 'setUpdateType'> {
  private contents: Array<{ content: string; contentType: string }> = [];
  private updateType?: string;
  addUpdateContent(content: string, contentType: GoogleAppsScript.Card_Service.ContentType): this {
    if (!(Object.values(CONTENT_TYPE) as string[]).includes(contentType as unknown as string)) {
      throw new CardServiceError(`addUpdateContent got the content type ${String(contentType)}; use a CardService.ContentType value`);
    }
    this.contents.push({ content, contentType: contentType as unknown as string });
    return this;
  }
  setUpdateType(updateType: GoogleAppsScript.Card_Service.UpdateDraftBodyType): this {
    if (!(Object.values(UPDATE_DRAFT_BODY_TYPE) as string[]).includes(updateType as unknown as string)) {
      throw new CardServiceError(`setUpdateType got ${String(updateType)}; use a CardService.UpdateDraftBodyType value`);
    }
    this.updateType = updateType as unknown as string;
    return this;
  }
  toJson(): DraftBodyUpdateJson {
    if (this.updateType === undefined) {
      throw new CardServiceError('UpdateDraftBodyAction has no update type; always call setUpdateType, because the default differs between Gmail clients');
    }
    if (this.contents.length === 0) throw new CardServiceError('UpdateDraftBodyAction has no content');
    return { contents: this.contents.map((item) => ({ ...item })), updateType: this.updateType };
  }
}

export class FakeUpdateDraftActionResponseBuilder
  implements Implements<GoogleAppsScript.Card_Service.UpdateDraftActionResponseBuilder, 'setUpdateDraftBodyAction' | 'build'>
{
  private body?: Recorded<DraftBodyUpdateJson>;
  setUpdateDraftBodyAction(action: GoogleAppsScript.Card_Service.UpdateDraftBodyAction): this {
    this.body = recorded(action, 'UpdateDraftBodyAction');
    return this;
  }
  build(): GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
    const body = required(this.body, 'UpdateDraftActionResponse body action').toJson();
    return new FakeResponse({ type: 'UpdateDraftActionResponse', body }) as unknown as GoogleAppsScript.Card_Service.UpdateDraftActionResponse;
  }
}

/** Enum values are their names here; Apps Script's are opaque objects, and the add-on only passes them on. */
const CONTENT_TYPE = { TEXT: 'TEXT', MUTABLE_HTML: 'MUTABLE_HTML', IMMUTABLE_HTML: 'IMMUTABLE_HTML' } as const;
const UPDATE_DRAFT_BODY_TYPE = { IN_PLACE_INSERT: 'IN_PLACE_INSERT', INSERT_AT_START: 'INSERT_AT_START', INSERT_AT_END: 'INSERT_AT_END' } as const;
const COMPOSED_EMAIL_TYPE = { REPLY_AS_DRAFT: 'REPLY_AS_DRAFT', STANDALONE_DRAFT: 'STANDALONE_DRAFT' } as const;
const SELECTION_INPUT_TYPE = { CHECK_BOX: 'CHECK_BOX', RADIO_BUTTON: 'RADIO_BUTTON', DROPDOWN: 'DROPDOWN', SWITCH: 'SWITCH' } as const;

function asCard(card: FakeCard): GoogleAppsScript.Card_Service.Card {
  return card as unknown as GoogleAppsScript.Card_Service.Card;
}

export type FakeCardServiceApi = Pick<
  CardServiceApi,
  | 'newCardBuilder'
  | 'newCardHeader'
  | 'newCardSection'
  | 'newTextParagraph'
  | 'newDecoratedText'
  | 'newTextButton'
  | 'newTextInput'
  | 'newAction'
  | 'newActionResponseBuilder'
  | 'newNavigation'
  | 'newUpdateDraftActionResponseBuilder'
  | 'newUpdateDraftBodyAction'
  | 'newButtonSet'
  | 'newSelectionInput'
  | 'newOpenLink'
  | 'newNotification'
  | 'newUniversalActionResponseBuilder'
  | 'newComposeActionResponseBuilder'
  | 'ContentType'
  | 'UpdateDraftBodyType'
  | 'ComposedEmailType'
  | 'SelectionInputType'
>;

/**
 * Creates the fake. The builders implement only the methods the add-on calls but are
 * handed out as their full Apps Script types. Calling any other method throws a TypeError.
 */
export function createCardService(isGlobalFunction: (name: string) => boolean, openLinkUrlPrefixes: readonly string[] = []): FakeCardServiceApi {
  return {
    newCardBuilder: () => new FakeCardBuilder() as unknown as GoogleAppsScript.Card_Service.CardBuilder,
    newCardHeader: () => new FakeCardHeader() as unknown as GoogleAppsScript.Card_Service.CardHeader,
    newCardSection: () => new FakeCardSection() as unknown as GoogleAppsScript.Card_Service.CardSection,
    newTextParagraph: () => new FakeTextParagraph() as unknown as GoogleAppsScript.Card_Service.TextParagraph,
    newDecoratedText: () => new FakeDecoratedText() as unknown as GoogleAppsScript.Card_Service.DecoratedText,
    newTextButton: () => new FakeTextButton() as unknown as GoogleAppsScript.Card_Service.TextButton,
    newTextInput: () => new FakeTextInput() as unknown as GoogleAppsScript.Card_Service.TextInput,
    newAction: () => new FakeAction(isGlobalFunction) as unknown as GoogleAppsScript.Card_Service.Action,
    newActionResponseBuilder: () => new FakeActionResponseBuilder() as unknown as GoogleAppsScript.Card_Service.ActionResponseBuilder,
    newNavigation: () => new FakeNavigation() as unknown as GoogleAppsScript.Card_Service.Navigation,
    newUpdateDraftActionResponseBuilder: () =>
      new FakeUpdateDraftActionResponseBuilder() as unknown as GoogleAppsScript.Card_Service.UpdateDraftActionResponseBuilder,
    newUpdateDraftBodyAction: () => new FakeUpdateDraftBodyAction() as unknown as GoogleAppsScript.Card_Service.UpdateDraftBodyAction,
    newButtonSet: () => new FakeButtonSet() as unknown as GoogleAppsScript.Card_Service.ButtonSet,
    newSelectionInput: () => new FakeSelectionInput() as unknown as GoogleAppsScript.Card_Service.SelectionInput,
    newOpenLink: () => new FakeOpenLink(openLinkUrlPrefixes) as unknown as GoogleAppsScript.Card_Service.OpenLink,
    newNotification: () => new FakeNotification() as unknown as GoogleAppsScript.Card_Service.Notification,
    newUniversalActionResponseBuilder: () =>
      new FakeUniversalActionResponseBuilder() as unknown as GoogleAppsScript.Card_Service.UniversalActionResponseBuilder,
    newComposeActionResponseBuilder: () =>
      new FakeComposeActionResponseBuilder() as unknown as GoogleAppsScript.Card_Service.ComposeActionResponseBuilder,
    ContentType: CONTENT_TYPE as unknown as CS['ContentType'],
    UpdateDraftBodyType: UPDATE_DRAFT_BODY_TYPE as unknown as CS['UpdateDraftBodyType'],
    ComposedEmailType: COMPOSED_EMAIL_TYPE as unknown as CS['ComposedEmailType'],
    SelectionInputType: SELECTION_INPUT_TYPE as unknown as CS['SelectionInputType'],
  };
}

/** The JSON of a card or response a handler returned. */
export function jsonOf(result: unknown): CardJson | ResponseJson {
  if (result instanceof FakeCard) return result.json;
  if (result instanceof FakeResponse) return result.json;
  throw new Error(`handler returned ${describe(result)}, not a card or response built by the fake CardService`);
}

export function cardJson(result: unknown): CardJson {
  const json = jsonOf(result);
  if (json.type !== 'Card') throw new Error(`expected a card, got ${json.type}`);
  return json;
}

export function responseJson(result: unknown): ResponseJson {
  const json = jsonOf(result);
  if (json.type === 'Card') throw new Error('expected an action response, got a card');
  return json;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${Object.keys(value).join(', ')})`;
  return typeof value;
}
