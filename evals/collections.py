"""Document collections and their question sets, split into train and test.

Each collection is a folder `evals/<name>/` with a `collection.json` (where its documents are,
where its index goes, what the answers call it) and question files under `train/` and `test/`.
`make fit` and development may read the train files; the test files are only ever scored.

Does not run questions; see `runner`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

EVALS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = EVALS_DIR.parent
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Collection:
    """A folder of documents with its own index and question sets."""

    name: str
    corpus: Path
    index: Path
    called: str  # what answers call the documents: "the reports", "the documents"


@dataclass(frozen=True)
class QuestionSet:
    """One question file of a collection."""

    collection: Collection
    split: str  # "train" or "test"
    path: Path

    @property
    def label(self) -> str:
        """Example: "powys/test/blind3"."""
        return f"{self.collection.name}/{self.split}/{self.path.stem}"


def collections(root: Path = EVALS_DIR) -> list[Collection]:
    """Every collection under `root`, by name."""
    found = []
    for config in sorted(root.glob("*/collection.json")):
        raw = json.loads(config.read_text(encoding="utf-8"))
        found.append(
            Collection(
                name=config.parent.name,
                corpus=PROJECT_ROOT / raw["corpus"],
                index=PROJECT_ROOT / raw["index"],
                called=str(raw.get("called", "the documents")),
            )
        )
    return found


def question_sets(split: str | None = None, root: Path = EVALS_DIR) -> list[QuestionSet]:
    """The question files of every collection, train before test, or only those of `split`."""
    sets = []
    for collection in collections(root):
        for part in SPLITS if split is None else (split,):
            folder = root / collection.name / part
            sets += [QuestionSet(collection, part, path) for path in sorted(folder.glob("*.jsonl"))]
    return sets


def find_set(label: str, root: Path = EVALS_DIR) -> QuestionSet:
    """The set called `label` ("pydocs/test/questions"); KeyError naming the known ones otherwise."""
    sets = {s.label: s for s in question_sets(root=root)}
    if label not in sets:
        raise KeyError(f"no question set {label!r}; known: {', '.join(sets)}")
    return sets[label]


def set_label(path: Path, root: Path = EVALS_DIR) -> str:
    """The label of a question file under `root` ("powys/test/blind3"), or its path for another file."""
    try:
        relative = path.resolve().relative_to(root)
    except ValueError:
        return str(path)
    return relative.with_suffix("").as_posix()
