"""Calibrate the support threshold on a labelled set of supported and unsupported sentences.

Each line of the set (`tests/data/generative_support.jsonl`, written for this: small made-up
documents and sentences about them, never the evaluation questions) gives a document, a claim
and whether the document supports it. Every claim goes through the whole check as if a model
had written it citing the document as passage [1]; for each threshold the share of supported
claims kept and the number of unsupported claims kept are counted. The threshold chosen is the
lowest from which no unsupported claim is kept: the most supported sentences shown without
showing a wrong one. `python -m assistant.generative.calibrate [FILE]` prints the table.

Does not change the settings: the value found is written into `LlmSettings.support_threshold`
by hand, and a test checks the two still agree.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.language import Parsed
from assistant.core.library import IndexedPassage
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.generative.checking import Checker
from assistant.generative.passages import NumberedPassage
from ingest.documents import Passage
from ingest.splitter import sentence_spans

LABELLED = PROJECT_ROOT / "tests" / "data" / "generative_support.jsonl"
GRID = tuple(round(0.05 * step, 2) for step in range(4, 21))  # 0.20 … 1.00


@dataclass(frozen=True)
class Labelled:
    """One labelled claim about one small document."""

    id: str
    document: str
    claim: str
    supported: bool
    kind: str


@dataclass(frozen=True)
class Row:
    """The check's results on the whole set at one threshold."""

    threshold: float
    supported_kept: float  # share of supported claims shown
    unsupported_kept: int  # unsupported claims shown (must be 0)


def load(path: Path = LABELLED) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled(r["id"], r["document"], r["claim"], bool(r["supported"]), r["kind"]) for r in rows]


def as_passage(document: str, source: str = "labelled.txt") -> NumberedPassage:
    """The whole document as passage [1], split into sentences as ingest splits them."""
    sentences = tuple(
        IndexedPassage(f"{source}:{start}", Passage(source, start, end, document[start:end]), position)
        for position, (start, end) in enumerate(sentence_spans(document, 0, len(document)))
    )
    return NumberedPassage(1, source, source, document, sentences)


def kept(item: Labelled, parse: Callable[[str], Parsed], threshold: float) -> bool:
    """Whether the check shows the claim when a model writes it citing its document."""
    verdicts = Checker(parse, threshold).check(f"{item.claim} [1]", [as_passage(item.document)])
    return bool(verdicts.kept)


def table(items: Sequence[Labelled], parse: Callable[[str], Parsed]) -> list[Row]:
    supported = [i for i in items if i.supported]
    unsupported = [i for i in items if not i.supported]
    return [
        Row(
            t,
            round(sum(kept(i, parse, t) for i in supported) / max(1, len(supported)), 4),
            sum(kept(i, parse, t) for i in unsupported),
        )
        for t in GRID
    ]


def chosen(rows: Sequence[Row]) -> float:
    """The lowest threshold from which no unsupported claim is kept."""
    safe = [
        r.threshold for r in rows if all(o.unsupported_kept == 0 for o in rows if o.threshold >= r.threshold)
    ]
    return min(safe) if safe else 1.0


def main(argv: Sequence[str] = ()) -> None:
    from assistant.answering.language import Language

    items = load(Path(argv[0]) if argv else LABELLED)
    rows = table(items, Language().parse)
    print(f"{len(items)} labelled claims ({sum(i.supported for i in items)} supported)")
    print("threshold  supported_kept  unsupported_kept")
    for r in rows:
        print(f"{r.threshold:9.2f}  {r.supported_kept:14.3f}  {r.unsupported_kept:16d}")
    print(f"chosen: {chosen(rows):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
