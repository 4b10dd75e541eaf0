"""The chat page's own CSS and the few lines of browser JavaScript its buttons need.

Kept apart from the wiring in `app.py`. Nothing here fetches anything: the page works offline.
"""

from __future__ import annotations

# The narrow layout (a phone, 390 px wide): the chat column's parts become items of the main row,
# so the panels (Sources, viewer, briefing) come straight after the question box instead of
# below the feedback and the filters, and the chat takes at most half the screen's height.
CSS = """
#viewer .viewer-text { white-space: pre-wrap; max-height: 60vh; overflow-y: auto; font-size: 0.92em;
  line-height: 1.5; padding: 0.5em; border: 1px solid var(--border-color-primary); border-radius: 6px; }
#viewer mark, #sources mark { background: #ffe58a; color: #000; padding: 0 1px; }
#sources .citation { margin-bottom: 1em; }
#sources .citation-file, #viewer .citation-file { font-size: 0.8em; }
#sources blockquote { margin: 0.3em 0 0 0; padding-left: 0.7em; border-left: 3px solid #767676; }
#sources .citation-mark { font-size: 0.8em; padding: 0 0.4em; border-radius: 4px; white-space: nowrap;
  border: 1px solid #767676; }
#sources .mark-checked { background: #dff3e4; color: #0b5d1e; border-color: #0b5d1e; }
#sources .mark-wrong { background: #fde2e1; color: #8a1c12; border-color: #8a1c12; }
#question-status:empty, #citation-status:empty { display: none; }
#question-status .problem { color: #8a1c12; font-weight: 600; }
@media (max-width: 768px) {
  #main-row { flex-direction: column; flex-wrap: nowrap; }
  #chat-column { display: contents; }
  #main-row > *, #chat-column > * { order: 10; }
  #chat { order: 1; }
  #chat, #chat > .wrapper { height: 50vh !important; max-height: 50vh; }
  #answer-mode, #question-row { order: 2; }
  #question-status { order: 3; }
  #examples { order: 3; }
  #panels-column { order: 4; }
}
"""

SCROLL_TO_CITED = """
() => {
  const go = (tries) => {
    const el = document.querySelector('#viewer mark#cited');
    if (el) { el.scrollIntoView({block: 'center'}); }
    else if (tries > 0) { setTimeout(() => go(tries - 1), 100); }
  };
  setTimeout(() => go(30), 50);
}
"""

# The caret in the question box once the restored conversation opens it, unless the visitor has
# already put it somewhere else.
FOCUS_QUESTION = """
() => {
  const go = (tries) => {
    const box = document.querySelector('#question textarea');
    const elsewhere = document.activeElement && document.activeElement !== document.body;
    if (box && !box.disabled) { if (!elsewhere) { box.focus(); } }
    else if (tries > 0) { setTimeout(() => go(tries - 1), 50); }
  };
  go(40);
}
"""

# Puts the text on the clipboard where the browser allows it; the text stays on the page too.
COPY_TEXT = """
(text) => {
  try { if (text && navigator.clipboard) { navigator.clipboard.writeText(text); } } catch (e) {}
  return text;
}
"""
