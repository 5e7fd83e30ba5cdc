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

export function button(
  text: string,
  functionName: string,
  parameters: Record<string, string> = {},
): GoogleAppsScript.Card_Service.TextButton {
  const action = CardService.newAction().setFunctionName(functionName).setParameters(parameters);
  return CardService.newTextButton().setText(text).setOnClickAction(action);
}

/** Replaces the card on screen with `card`; the response an action returns to show a new state. */
export function updateCardResponse(card: GoogleAppsScript.Card_Service.Card): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder().setNavigation(CardService.newNavigation().updateCard(card)).build();
}
