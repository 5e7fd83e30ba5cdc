// The playground page: a compose window, the recipient's inbox and the sender's
// sent email, each with the add-on's card where Gmail shows it. Cards come from
// the server as HTML; this script posts their button actions back and applies
// what the add-on returned. Plain browser JavaScript, served as is.
'use strict';

(function () {
  const CARET_MARKER = 'playground-caret';
  const EDITOR_DOC =
    '<!doctype html><html><head><style>body{margin:8px 12px;font:14px/1.5 Arial,Helvetica,sans-serif;color:#202124;min-height:180px;outline:none}</style></head>' +
    '<body contenteditable="true"></body></html>';

  const state = {
    config: null,
    draft: null,
    /** The last selection in the editor, kept while the card's buttons take focus. */
    savedRange: null,
    openMessageId: null,
    stacks: { compose: [], message: [] },
    busy: { compose: false, message: false },
  };

  const $ = (id) => document.getElementById(id);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Etc/UTC';

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || `${method} ${path} failed with HTTP ${response.status}`);
    return data;
  }

  let toastTimer = null;
  function toast(text) {
    const element = $('toast');
    element.textContent = text;
    element.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (element.hidden = true), 6000);
  }

  // ---- Compose editor -------------------------------------------------------

  function editorDoc() {
    return $('compose-editor').contentDocument;
  }

  function editorBody() {
    return editorDoc().body;
  }

  function setupEditor() {
    return new Promise((resolve) => {
      const frame = $('compose-editor');
      frame.addEventListener(
        'load',
        () => {
          editorDoc().addEventListener('selectionchange', () => {
            const selection = editorDoc().getSelection();
            if (selection && selection.rangeCount > 0 && editorBody().contains(selection.getRangeAt(0).commonAncestorContainer)) {
              state.savedRange = selection.getRangeAt(0);
            }
          });
          resolve();
        },
        { once: true },
      );
      frame.srcdoc = EDITOR_DOC;
    });
  }

  /** Offset of a boundary point in the body's serialised HTML, found by inserting a marker comment there. */
  function htmlOffset(container, offset) {
    const doc = editorDoc();
    const marker = doc.createComment(CARET_MARKER);
    const range = doc.createRange();
    range.setStart(container, offset);
    range.insertNode(marker);
    const index = editorBody().innerHTML.indexOf(`<!--${CARET_MARKER}-->`);
    marker.remove();
    editorBody().normalize();
    return index;
  }

  /** Returns the selection as offsets into the body HTML; Gmail's cursor starts at the top of the body. */
  function selectionOffsets() {
    const range = state.savedRange;
    if (!range || !editorBody().contains(range.commonAncestorContainer)) return { start: 0, end: 0 };
    // The saved range is live, so it follows the text node splits and merges below.
    const start = htmlOffset(range.startContainer, range.startOffset);
    const end = htmlOffset(range.endContainer, range.endOffset);
    if (start < 0 || end < start) return { start: 0, end: 0 };
    return { start, end };
  }

  function setBody(html, cursor) {
    const body = editorBody();
    if (cursor === undefined) {
      body.innerHTML = html;
      state.savedRange = null;
      return;
    }
    body.innerHTML = `${html.slice(0, cursor)}<!--${CARET_MARKER}-->${html.slice(cursor)}`;
    const walker = editorDoc().createTreeWalker(body, NodeFilter.SHOW_COMMENT);
    let marker = null;
    while (walker.nextNode()) {
      if (walker.currentNode.nodeValue === CARET_MARKER) marker = walker.currentNode;
    }
    if (!marker) return;
    const range = editorDoc().createRange();
    range.setStartBefore(marker);
    range.collapse(true);
    marker.remove();
    const selection = editorDoc().getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    state.savedRange = selection.getRangeAt(0);
  }

  function draftFields() {
    return { to: $('to').value, subject: $('subject').value, body: editorBody().innerHTML };
  }

  // ---- Cards ----------------------------------------------------------------

  function panelOf(surface) {
    return $(surface === 'compose' ? 'compose-panel' : 'message-panel');
  }

  function drawPanel(surface) {
    const stack = state.stacks[surface];
    const panel = panelOf(surface);
    if (stack.length === 0) return;
    panel.innerHTML = stack[stack.length - 1];
    const menu = document.createElement('div');
    menu.className = 'panel-menu';
    for (const action of state.config.universalActions) {
      const item = document.createElement('button');
      item.type = 'button';
      item.className = 'panel-menu-item';
      item.textContent = action.label;
      item.dataset.function = action.functionName;
      item.dataset.parameters = '{}';
      menu.append(item);
    }
    panel.prepend(menu);
    if (stack.length > 1) {
      const back = document.createElement('button');
      back.type = 'button';
      back.className = 'card-back';
      back.textContent = '\u2190 Back';
      back.dataset.back = '1';
      panel.prepend(back);
    }
  }

  function showRootCard(surface, html) {
    state.stacks[surface] = [html];
    drawPanel(surface);
  }

  function applyNavigation(surface, steps) {
    const stack = state.stacks[surface];
    for (const step of steps) {
      if (step.op === 'update') {
        if (stack.length === 0) stack.push(step.html);
        else stack[stack.length - 1] = step.html;
      } else if (step.op === 'push') stack.push(step.html);
      else if (step.op === 'pop' && stack.length > 1) stack.pop();
      else if (step.op === 'popToRoot') stack.splice(1);
      else if (step.op === 'replace') stack.splice(0, stack.length, ...step.cards);
    }
    drawPanel(surface);
  }

  function showPanelError(surface, text) {
    const panel = panelOf(surface);
    panel.querySelectorAll('.panel-error').forEach((element) => element.remove());
    const bar = document.createElement('div');
    bar.className = 'panel-error';
    bar.setAttribute('role', 'alert');
    bar.textContent = text;
    panel.prepend(bar);
  }

  function isLoopback(url) {
    try {
      return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
    } catch {
      return false;
    }
  }

  async function runAction(surface, button) {
    if (state.busy[surface]) return;
    const panel = panelOf(surface);
    const formInputs = {};
    panel.querySelectorAll('input[name], textarea[name], select[name]').forEach((input) => {
      if (input.type === 'checkbox' || input.type === 'radio') {
        if (!formInputs[input.name]) formInputs[input.name] = [];
        if (input.checked) formInputs[input.name].push(input.value);
      } else {
        formInputs[input.name] = input.value;
      }
    });
    const request = {
      surface,
      id: surface === 'compose' ? state.draft && state.draft.id : state.openMessageId,
      functionName: button.dataset.function,
      parameters: JSON.parse(button.dataset.parameters || '{}'),
      formInputs,
      timeZone,
    };
    if (surface === 'compose') request.draft = Object.assign(draftFields(), { selection: selectionOffsets() });

    state.busy[surface] = true;
    panel.classList.add('loading');
    try {
      const outcome = await api('POST', '/api/actions', request);
      if (outcome.draft) setBody(outcome.draft.html, outcome.draft.cursor);
      if (outcome.navigation.length > 0) applyNavigation(surface, outcome.navigation);
      if (outcome.error) showPanelError(surface, outcome.error);
      if (outcome.notification) toast(outcome.notification);
      if (outcome.openLink) openLink(outcome.openLink.url);
      if (outcome.composeDraft) openComposedDraft(outcome.composeDraft);
    } catch (error) {
      showPanelError(surface, error.message);
    } finally {
      state.busy[surface] = false;
      panel.classList.remove('loading');
    }
  }

  function openLink(url) {
    if (isLoopback(url)) window.open(url, '_blank', 'noopener');
    else toast(`The add-on opens ${url}. The playground keeps every request on this machine, so open it yourself if you want to.`);
  }

  /** Opens a draft the add-on made (a compose action), as Gmail opens it in a compose window. */
  function openComposedDraft(draft) {
    state.draft = draft;
    $('to').value = draft.to;
    $('subject').value = draft.subject;
    setBody(draft.body);
    closeComposePanel();
    $('compose-status').textContent = 'The add-on opened this draft. Choose Email tracking to track it.';
    $('compose-pane').scrollIntoView({ behavior: 'smooth' });
  }

  function onPanelClick(surface, event) {
    const target = event.target.closest('button, [data-row]');
    if (!target || target.disabled) return;
    if (target.dataset.back) {
      state.stacks[surface].pop();
      drawPanel(surface);
      return;
    }
    if (target.dataset.openLink) return openLink(target.dataset.openLink);
    if (target.dataset.function) void runAction(surface, target);
  }

  // ---- Drafts and sending ---------------------------------------------------

  function closeComposePanel() {
    state.stacks.compose = [];
    $('compose-panel').innerHTML = '<div class="panel-placeholder">Choose <b>Email tracking</b> below the body to open the add-on for this email.</div>';
  }

  async function newDraft(fields, openAddon) {
    $('to').value = fields.to;
    $('subject').value = fields.subject;
    setBody(fields.body);
    $('compose-status').textContent = '';
    closeComposePanel();
    const created = await api('POST', '/api/drafts', Object.assign({}, fields, { timeZone }));
    state.draft = created.draft;
    if (openAddon) showRootCard('compose', created.card);
  }

  async function openAddon() {
    if (!state.draft) return;
    // Gmail runs the compose trigger again each time the add-on is opened.
    await api('PUT', `/api/drafts/${state.draft.id}`, draftFields());
    const reopened = await api('POST', `/api/drafts/${state.draft.id}/compose`, { timeZone });
    showRootCard('compose', reopened.card);
  }

  async function loadSample(id) {
    if (!id) return newDraft({ to: '', subject: '', body: '' }, false);
    const sample = await api('GET', `/api/samples/${encodeURIComponent(id)}`);
    await newDraft(sample, true);
  }

  async function send() {
    if (!state.draft) return;
    try {
      const sent = await api('POST', `/api/drafts/${state.draft.id}/send`, draftFields());
      state.draft = null;
      $('sample').value = '';
      await newDraft({ to: '', subject: '', body: '' }, false);
      $('compose-status').textContent = `Sent "${sent.message.subject || '(no subject)'}" to ${sent.message.to}. Open it in the recipient's inbox below.`;
      await refreshLists();
    } catch (error) {
      $('compose-status').textContent = error.message;
    }
  }

  // ---- Mail lists -----------------------------------------------------------

  function listItem(message, onOpen, prefix) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.id = message.id;
    const time = new Date(message.date).toLocaleTimeString();
    button.innerHTML = '<span class="who"></span><span class="subject"></span><span class="time"></span>';
    button.querySelector('.who').textContent = `${prefix} ${message.to}`;
    button.querySelector('.subject').textContent = message.subject || '(no subject)';
    button.querySelector('.time').textContent = time;
    button.addEventListener('click', () => onOpen(message, button));
    item.append(button);
    return item;
  }

  function markSelected(list, button) {
    list.querySelectorAll('button').forEach((candidate) => candidate.classList.toggle('selected', candidate === button));
  }

  async function refreshLists() {
    const { messages } = await api('GET', '/api/sent');
    const inbox = $('inbox-list');
    const sent = $('sent-list');
    inbox.innerHTML = '';
    sent.innerHTML = '';
    if (messages.length === 0) {
      inbox.innerHTML = '<li class="empty">No emails yet. Send one above.</li>';
      sent.innerHTML = '<li class="empty">Nothing sent yet.</li>';
      return;
    }
    for (const message of messages) {
      inbox.append(
        listItem(message, (m, button) => {
          markSelected(inbox, button);
          $('recipient-view').src = `/mail/${m.id}`;
        }, 'For'),
      );
      sent.append(listItem(message, (m, button) => openSent(m, button), 'To'));
    }
  }

  async function openSent(message, button) {
    markSelected($('sent-list'), button);
    $('sender-view').src = `/sent/${message.id}`;
    state.openMessageId = message.id;
    const panel = $('message-panel');
    panel.classList.add('loading');
    try {
      const opened = await api('POST', `/api/sent/${message.id}/open`, { timeZone });
      showRootCard('message', opened.card);
    } catch (error) {
      showPanelError('message', error.message);
    } finally {
      panel.classList.remove('loading');
    }
  }

  /** With no email open, Gmail's side panel shows the add-on's homepage. */
  async function showHomepage() {
    state.openMessageId = null;
    const home = await api('POST', '/api/homepage', { timeZone });
    showRootCard('message', home.card);
  }

  // ---- Start ----------------------------------------------------------------

  async function start() {
    try {
      state.config = await api('GET', '/api/config');
      $('sender').textContent = state.config.sender;
      $('tracker-url').textContent = state.config.trackerBaseUrl;
      $('site-hint').textContent = `${state.config.baseUrl}site/…`;
      for (const sample of state.config.samples) {
        const option = document.createElement('option');
        option.value = sample.id;
        option.textContent = sample.title;
        $('sample').append(option);
      }
      await setupEditor();
      $('compose-panel').addEventListener('click', (event) => onPanelClick('compose', event));
      $('message-panel').addEventListener('click', (event) => onPanelClick('message', event));
      $('sample').addEventListener('change', (event) => void loadSample(event.target.value));
      $('new-email').addEventListener('click', () => void loadSample($('sample').value));
      $('open-addon').addEventListener('click', () => void openAddon().catch((error) => showPanelError('compose', error.message)));
      $('send').addEventListener('click', () => void send());
      await newDraft({ to: '', subject: '', body: '' }, false);
      await refreshLists();
      await showHomepage();
      document.body.dataset.ready = 'true';
    } catch (error) {
      $('load-error').textContent = `The playground could not start: ${error.message}`;
      $('load-error').hidden = false;
    }
  }

  void start();
})();
