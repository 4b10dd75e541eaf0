"""Whether one sentence of a document supports a generated sentence: coverage and polarity.

Coverage is the share of the generated sentence's content words (stemmed, stopwords, figures and
number words left out: `facts` checks those by value) that the document sentence contains. A
sentence that adds a claim of its own brings words its quote lacks, and its coverage falls.
The threshold is calibrated on a labelled set (`calibrate`). Coverage cannot see "not", so the
two sentences must also agree on negation: "the service did not improve" is not supported by
"the service improved".

Does not look at citations or names; see `checking`.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core import terms
from assistant.generative.facts import figures

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without"})
NEGATIONS |= {"cannot", "unable"}
_PRONOUNS = frozenset(
    {"it", "its", "they", "their", "them", "he", "his", "him", "she", "her", "this", "these"}
)


@dataclass(frozen=True)
class Support:
    """How well one source sentence supports a claim."""

    coverage: float  # share of the claim's content words the source has; 1.0 when it has none
    words: int  # the claim's content words counted
    same_polarity: bool  # both negated or neither


def content_words(text: str) -> set[str]:
    """Stems of the words that carry a claim, figures and number words left out.

    Example: "Steve Walker found 18 vacancies." -> {"steve", "walker", "found", "vacanc"}.
    """
    numeric = {w for f in figures(text) for w in terms.words(f.text)}
    return {
        terms.stem(w)
        for w in terms.words(text)
        if w not in terms.STOPWORDS
        and w not in numeric
        and len(w) > 1
        and not w[0].isdigit()
        and not w.startswith("£")
    }


def negated(text: str) -> bool:
    """True when the text says "not" in any of its forms. Example: "It didn't." -> True."""
    return any(w in NEGATIONS or w.endswith("n't") for w in terms.words(text))


def support(claim: str, source: str, before: str = "") -> Support:
    """How much of `claim` the sentence `source` says (see the module docstring).

    When `source` speaks through a pronoun ("It is three miles long"), the words of the sentence
    `before` it count too, as a reader takes them ("The new cycle path ..."): a claim that names
    the path is then not penalised for saying what "it" is.
    """
    wanted = content_words(claim)
    have = content_words(source)
    if before and _PRONOUNS & set(terms.words(source)):
        have |= content_words(before)
    coverage = len(wanted & have) / len(wanted) if wanted else 1.0
    return Support(round(coverage, 4), len(wanted), negated(claim) == negated(source))


def supports(found: Support, threshold: float) -> bool:
    """The calibrated verdict: enough of the claim's words, and the same polarity."""
    return found.same_polarity and found.coverage >= threshold
