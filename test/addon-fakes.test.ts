import { createCardService, MAX_WIDGETS_PER_CARD } from './support/appsScript/cardService';
import { FakeGmailApp } from './support/appsScript/gmailApp';
import { FakeCache, formatDate } from './support/appsScript/services';
import { FakeUrlFetchApp } from './support/appsScript/urlFetchApp';

// The fakes must reject what Apps Script rejects or drops, or the add-on tests
// would pass on code that fails after a push.

describe('CardService fake', () => {
  const cards = createCardService((name) => name === 'onKnown');

  test('rejects a card over the widget limit', () => {
    const section = cards.newCardSection();
    for (let i = 0; i <= MAX_WIDGETS_PER_CARD; i++) section.addWidget(cards.newTextParagraph().setText(`line ${i}`));
    expect(() => cards.newCardBuilder().addSection(section).build()).toThrow('card has 101 widgets');
  });

  test('accepts a card at the widget limit', () => {
    const section = cards.newCardSection();
    for (let i = 0; i < MAX_WIDGETS_PER_CARD; i++) section.addWidget(cards.newTextParagraph().setText(`line ${i}`));
    expect(() => cards.newCardBuilder().addSection(section).build()).not.toThrow();
  });

  test('rejects a draft update without update type', () => {
    const body = cards.newUpdateDraftBodyAction().addUpdateContent('<b>x</b>', cards.ContentType.MUTABLE_HTML);
    expect(() => cards.newUpdateDraftActionResponseBuilder().setUpdateDraftBodyAction(body).build()).toThrow('always call setUpdateType');
  });

  test('rejects an action name that is not a global', () => {
    expect(() => cards.newAction().setFunctionName('onMissing')).toThrow('"onMissing" is not a global function');
    expect(() => cards.newAction().setFunctionName('onKnown')).not.toThrow();
  });

  test('rejects non-string action parameters', () => {
    expect(() => cards.newAction().setParameters({ count: 3 as unknown as string })).toThrow('Action parameter "count" is a number');
  });
});

describe('UrlFetchApp fake', () => {
  test('rejects a URL outside the allowlist', () => {
    const fetcher = new FakeUrlFetchApp(['http://127.0.0.1:9/']);
    expect(() => fetcher.fetch('http://127.0.0.1:10/x')).toThrow('is not under any urlFetchWhitelist prefix');
    expect(fetcher.requests).toHaveLength(0);
  });
});

describe('GmailApp fake', () => {
  test('requires the message access token', () => {
    const gmail = new FakeGmailApp();
    const event = gmail.addMessage({ id: 'm', subject: 's', from: 'a@example.com', to: 'b@example.com', body: '<p>x</p>', date: new Date(0) });
    expect(() => gmail.getMessageById('m')).toThrow('Access denied');
    gmail.setCurrentMessageAccessToken('wrong');
    expect(() => gmail.getMessageById('m')).toThrow('Access denied');
    gmail.setCurrentMessageAccessToken(event.accessToken);
    expect(gmail.getMessageById('m').getBody()).toBe('<p>x</p>');
  });
});

describe('CacheService fake', () => {
  test('caps expiration at six hours', () => {
    let now = 0;
    const cache = new FakeCache(() => now);
    cache.put('k', 'v', 999999);
    now = 21600 * 1000 - 1;
    expect(cache.get('k')).toBe('v');
    now = 21600 * 1000;
    expect(cache.get('k')).toBeNull();
  });

  test('rejects long keys', () => {
    expect(() => new FakeCache(() => 0).put('k'.repeat(251), 'v')).toThrow('cache key has 251 characters');
  });
});

describe('Utilities.formatDate fake', () => {
  test('formats in the zone', () => {
    expect(formatDate(new Date('2026-03-29T01:30:00Z'), 'Europe/Berlin', "yyyy-MM-dd HH:mm:ss 'local'")).toBe('2026-03-29 03:30:00 local');
  });

  test('rejects letters it does not model', () => {
    expect(() => formatDate(new Date(0), 'Etc/UTC', 'EEEE d MMM')).toThrow('does not support the pattern letters "EEEE"');
    expect(formatDate(new Date('2026-03-02T23:30:00Z'), 'Europe/Berlin', 'EEE d MMM')).toBe('Tue 3 Mar');
  });
});
