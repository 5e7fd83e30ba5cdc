/*
 * Small widget helpers shared by the cards. Each returns a new widget; none reads
 * any Apps Script service other than CardService.
 */

export function paragraph(html: string): GoogleAppsScript.Card_Service.TextParagraph {
  return CardService.newTextParagraph().setText(html);
}

/** A paragraph in red, for errors the sender should act on. */
export function errorParagraph(html: string): GoogleAppsScript.Card_Service.TextParagraph {
  return paragraph(`<font color="#b3261e">${html}</font>`);
}

/**
 * Makes the action that calls the global function `functionName` (a value of
 * HANDLER_NAMES) with string parameters. Every action of the add-on is made here.
 */
export function action(functionName: string, parameters: Record<string, string> = {}): GoogleAppsScript.Card_Service.Action {
  return CardService.newAction().setFunctionName(functionName).setParameters(parameters);
}

export function button(
  text: string,
  functionName: string,
  parameters: Record<string, string> = {},
): GoogleAppsScript.Card_Service.TextButton {
  return CardService.newTextButton().setText(text).setOnClickAction(action(functionName, parameters));
}

/** Replaces the card on screen with `card`; the response an action returns to show a new state. */
export function updateCardResponse(card: GoogleAppsScript.Card_Service.Card): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder().setNavigation(CardService.newNavigation().updateCard(card)).build();
}

/** Makes a button that opens a compose window with the draft that `functionName` creates. */
export function composeButton(
  text: string,
  functionName: string,
  composedEmailType: GoogleAppsScript.Card_Service.ComposedEmailType,
  parameters: Record<string, string> = {},
): GoogleAppsScript.Card_Service.TextButton {
  return CardService.newTextButton().setText(text).setComposeAction(action(functionName, parameters), composedEmailType);
}

/** Buttons side by side; one widget however many buttons it holds. */
export function buttonRow(...buttons: GoogleAppsScript.Card_Service.TextButton[]): GoogleAppsScript.Card_Service.ButtonSet {
  const set = CardService.newButtonSet();
  for (const item of buttons) set.addButton(item);
  return set;
}

/** Puts `card` on top of the current one; the back arrow returns to it. */
export function pushCardResponse(card: GoogleAppsScript.Card_Service.Card): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder().setNavigation(CardService.newNavigation().pushCard(card)).build();
}

/** Replaces the card on screen and shows a short notification at the bottom of the panel. */
export function updateCardWithNotice(card: GoogleAppsScript.Card_Service.Card, notice: string): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder()
    .setNavigation(CardService.newNavigation().updateCard(card))
    .setNotification(CardService.newNotification().setText(notice))
    .build();
}
