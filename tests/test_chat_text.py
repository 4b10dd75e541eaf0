"""Chat text is escaped HTML for a chatbot with Markdown and LaTeX off: the characters, nothing more."""

from __future__ import annotations

from assistant.web import rendering


def test_chat_text_escapes_html_once_and_leaves_markdown_characters_alone() -> None:
    text = "don't & <b>x</b> *a* _b_ `c` $$x^2$$ ![x](http://h/i.png) <http://h/a>\n18. recommendations"
    assert rendering.chat_text(text) == (
        "don't &amp; &lt;b&gt;x&lt;/b&gt; *a* _b_ `c` $$x^2$$ ![x](http://h/i.png) &lt;http://h/a&gt;"
        "<br>18. recommendations"
    )


def test_chat_text_keeps_every_kind_of_line_break() -> None:
    assert rendering.chat_text("a\r\nb\rc\nd") == "a<br>b<br>c<br>d"
