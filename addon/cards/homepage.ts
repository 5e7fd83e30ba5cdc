import { paragraph } from './widgets';

/** Builds the card shown outside any message: what the add-on does and how to use it. */
export function buildHomepageCard(): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('Email tracking'))
    .addSection(
      CardService.newCardSection()
        .addWidget(
          paragraph(
            'While you write an email, open this add-on and choose <b>Track this email</b>: it adds an invisible image ' +
              'that reports when the email is opened. From the same panel you can insert tracked links, which report clicks.',
          ),
        )
        .addWidget(
          paragraph('Open a sent email with this panel open to see its opens and clicks, with time, place and mail client.'),
        ),
    )
    .build();
}
