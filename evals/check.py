"""Check a question file against its documents: `python -m evals.check FILE --corpus DIR`.

Every line must parse, ids must be unique, and every accepted answer but "Yes" and "No" must occur (after the
normalisation of `evals/README.md`) in the text the assistant reads from at least one listed
source: for a web page, PDF or Word file that is the extracted text, not the raw file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evals.dataset import DatasetError, EvalQuestion, load_dataset
from evals.metrics import contains_answer, is_yes_no_answer
from ingest.loaders import load_text


def source_text(corpus: Path, name: str) -> str:
    """The text ingest reads from `corpus/name`."""
    path = corpus / name
    text, _ = load_text(path, path.read_bytes())
    return text


def problems(questions: list[EvalQuestion], corpus: Path) -> list[str]:
    """What is wrong with the questions, one sentence each; empty when nothing is."""
    found: list[str] = []
    texts: dict[str, str] = {}
    for q in questions:
        if q.answerable != bool(q.answers) or q.answerable != bool(q.sources):
            found.append(
                f"{q.id}: answerable must go with answers and sources (and unanswerable with neither)"
            )
            continue
        for source in q.sources:
            if source not in texts:
                if not (corpus / source).is_file():
                    found.append(f"{q.id}: source {source} is not in {corpus}")
                    texts[source] = ""
                    continue
                texts[source] = source_text(corpus, source)
        for answer in q.answers:
            if is_yes_no_answer(answer):
                continue  # "Yes" / "No": the quote says so in its own words
            if not any(contains_answer(texts.get(s, ""), (answer,)) for s in q.sources):
                found.append(f"{q.id}: accepted answer {answer!r} is in none of its sources")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--corpus", type=Path, required=True, help="the folder of the documents it asks about"
    )
    args = parser.parse_args(argv)
    try:
        questions = load_dataset(args.file)
    except DatasetError as error:
        print(error)
        return 1
    found = problems(questions, args.corpus)
    for line in found:
        print(line)
    print(f"{len(questions)} questions, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
