"""Whether a name is given as the holder of an office: "Council leader Rosemarie Harris" holds the
leader's office; "Steve Walker praised the stable leadership" does not.

The answerer uses this for "who is the <office>?" and "who chaired ...?": a name anywhere near
the office's words is not enough, the title has to be given with the name.
"""

from __future__ import annotations

import re

from assistant import terms

TITLE_WINDOW = (
    8  # words between a name and the title it holds: "Phillip Evans to be our new interim Director"
)
# What may follow a title in a compound naming the same office: "chair" -> "chairwoman".
_COMPOUND_ENDS = frozenset({"man", "woman", "person", "men", "women"})
_TITLE_ABBREVIATIONS = {"ceo": "execut", "cllr": "councillor"}  # used without being spelt out


def titled(name: str, title: str, text: str, window: int = TITLE_WINDOW) -> bool:
    """The office's title (a stem) is given within a few words of the name.

    Example: ("Rosemarie Harris", "leader", "Council leader Rosemarie Harris said") -> True;
    ("Carl Cooper", "execut", "Carl Cooper, CEO of ...") -> True; "leadership" is not "leader".
    """
    tokens = [t.lower() for t in re.findall(r"[\w'’-]+", text)]
    first = name.split()[0].lower()
    at_name = [i for i, t in enumerate(tokens) if t == first]
    at_title = [i for i, t in enumerate(tokens) if _is_title(terms.stem(t), title)]
    return any(abs(i - j) <= window for i in at_name for j in at_title)


def _is_title(stem_: str, title: str) -> bool:
    """Example: ("chairwoman", "chair"), ("ceo", "execut") -> True; ("leadership", "leader") -> False."""
    if stem_ == title or _TITLE_ABBREVIATIONS.get(stem_) == title:
        return True
    return stem_.startswith(title) and stem_[len(title) :] in _COMPOUND_ENDS
