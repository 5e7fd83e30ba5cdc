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

export type WidgetJson =
  | { type: 'TextParagraph'; text: string }
  | { type: 'DecoratedText'; topLabel?: string; text: string; bottomLabel?: string; wrapText?: boolean }
  | { type: 'TextButton'; text: string; onClick: ActionJson }
  | { type: 'TextInput'; fieldName: string; title?: string; hint?: string; value?: string };

export interface SectionJson {
  header?: string;
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

export type ResponseJson =
  | { type: 'ActionResponse'; navigation: { updateCard?: CardJson; pushCard?: CardJson } }
  | { type: 'UpdateDraftActionResponse'; body: DraftBodyUpdateJson };

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
  implements Implements<GoogleAppsScript.Card_Service.DecoratedText, 'setTopLabel' | 'setText' | 'setBottomLabel' | 'setWrapText'>
{
  private fields: { topLabel?: string; text?: string; bottomLabel?: string; wrapText?: boolean } = {};
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
    return { type: 'DecoratedText', ...this.fields, text: required(this.fields.text, 'DecoratedText text') };
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

export class FakeTextButton implements Implements<GoogleAppsScript.Card_Service.TextButton, 'setText' | 'setOnClickAction'> {
  private text?: string;
  private action?: Recorded<ActionJson>;
  setText(text: string): this {
    this.text = text;
    return this;
  }
  setOnClickAction(action: GoogleAppsScript.Card_Service.Action): this {
    this.action = recorded<ActionJson>(action, 'TextButton action');
    return this;
  }
  toJson(): WidgetJson {
    return { type: 'TextButton', text: required(this.text, 'TextButton text'), onClick: required(this.action, 'TextButton action').toJson() };
  }
}

export class FakeTextInput
  implements Implements<GoogleAppsScript.Card_Service.TextInput, 'setFieldName' | 'setTitle' | 'setHint' | 'setValue'>
{
  private fields: { fieldName?: string; title?: string; hint?: string; value?: string } = {};
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

export class FakeCardSection implements Implements<GoogleAppsScript.Card_Service.CardSection, 'setHeader' | 'addWidget'> {
  private header?: string;
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
    return { ...(this.header !== undefined ? { header: this.header } : {}), widgets: this.widgets.map((widget) => widget.toJson()) };
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

export class FakeNavigation implements Implements<GoogleAppsScript.Card_Service.Navigation, 'updateCard' | 'pushCard'> {
  private json: { updateCard?: CardJson; pushCard?: CardJson } = {};
  updateCard(card: GoogleAppsScript.Card_Service.Card): this {
    this.json.updateCard = recorded<CardJson>(card, 'card').toJson();
    return this;
  }
  pushCard(card: GoogleAppsScript.Card_Service.Card): this {
    this.json.pushCard = recorded<CardJson>(card, 'card').toJson();
    return this;
  }
  toJson(): { updateCard?: CardJson; pushCard?: CardJson } {
    return this.json;
  }
}

export class FakeResponse implements Implements<GoogleAppsScript.Card_Service.ActionResponse, 'printJson'> {
  constructor(readonly json: ResponseJson) {}
  printJson(): string {
    return JSON.stringify(this.json, null, 2);
  }
}

export class FakeActionResponseBuilder implements Implements<GoogleAppsScript.Card_Service.ActionResponseBuilder, 'setNavigation' | 'build'> {
  private navigation?: Recorded<{ updateCard?: CardJson; pushCard?: CardJson }>;
  setNavigation(navigation: GoogleAppsScript.Card_Service.Navigation): this {
    this.navigation = recorded(navigation, 'navigation');
    return this;
  }
  build(): GoogleAppsScript.Card_Service.ActionResponse {
    const navigation = required(this.navigation, 'ActionResponse navigation').toJson();
    return new FakeResponse({ type: 'ActionResponse', navigation }) as unknown as GoogleAppsScript.Card_Service.ActionResponse;
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
  | 'ContentType'
  | 'UpdateDraftBodyType'
>;

/**
 * Creates the fake. The builders implement only the methods the add-on calls but are
 * handed out as their full Apps Script types. Calling any other method throws a TypeError.
 */
export function createCardService(isGlobalFunction: (name: string) => boolean): FakeCardServiceApi {
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
    ContentType: CONTENT_TYPE as unknown as CS['ContentType'],
    UpdateDraftBodyType: UPDATE_DRAFT_BODY_TYPE as unknown as CS['UpdateDraftBodyType'],
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
