"""The fitted weights: four logistic models and the thresholds chosen with them, in one JSON file.

- the span model rates each span of a sentence as the short answer;
- the sentence model rates each candidate sentence as the one that answers (its features include
  the best span's rating);
- the confidence model turns the best sentence's standing into a calibrated probability that it
  answers, which decides the shape of the answer;
- the answerability model, on the same question-level features, gives the probability that the
  documents answer the question at all, which decides whether to refuse;
- the off-topic model, on the same features, gives the probability that the question is from
  another field entirely (fitted on other collections' questions), which refuses it too.

`make fit` (`evals/fit.py`) writes the file from the training questions; answering only reads it,
with numpy: scikit-learn is not needed to answer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


class ModelFileError(ValueError):
    """The model file is missing, unreadable or does not match this code's features."""


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic model: p = sigmoid(((x - mean) / scale) . coef + intercept)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    @classmethod
    def zero(cls, features: tuple[str, ...]) -> LinearModel:
        n = len(features)
        return cls(features, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0)

    def logits(self, table: np.ndarray) -> np.ndarray:
        if table.shape[0] == 0:
            return np.zeros(0)
        standard = (table - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(standard @ np.asarray(self.coef) + self.intercept, dtype=np.float64)

    def probabilities(self, table: np.ndarray) -> np.ndarray:
        return probabilities_of(self.logits(table))


def probabilities_of(logits: np.ndarray) -> np.ndarray:
    """The probabilities a model's logits stand for (the chat and `make fit` convert alike)."""
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))


@dataclass(frozen=True)
class Thresholds:
    """Where the confidence changes the shape of the answer (fitted, overridable in settings)."""

    answer: float  # answerability below this: refuse
    lead: float  # confidence from which one sentence is given, with a lead when its best span ...
    span: float  # ... holds at least this share of its sentence's span ratings
    second: float  # in the middle band, a second sentence rated within this much of the first is shown too
    off_topic: float = 1.0  # off-topic probability from which to refuse (1.0: never)
    pair_words: int | None = None  # ... when the two sentences hold at most this many words (None: any)


@dataclass(frozen=True)
class AnswerModel:
    """Everything `make fit` produces."""

    span: LinearModel
    sentence: LinearModel
    confidence: LinearModel
    answerable: LinearModel
    off_topic: LinearModel
    thresholds: Thresholds
    trained_on: tuple[str, ...]  # the question sets it was fitted on

    @classmethod
    def untrained(
        cls,
        span: tuple[str, ...],
        sentence: tuple[str, ...],
        confidence: tuple[str, ...],
        answerable: tuple[str, ...],
    ) -> AnswerModel:
        """All weights zero: what `make fit` examines the training questions with before it has fitted."""
        return cls(
            span=LinearModel.zero(span),
            sentence=LinearModel.zero(sentence),
            confidence=LinearModel.zero(confidence),
            answerable=LinearModel.zero(answerable),
            off_topic=LinearModel.zero(answerable),
            thresholds=Thresholds(answer=0.5, lead=0.5, span=0.5, second=0.0),
            trained_on=(),
        )

    def check(
        self,
        span: tuple[str, ...],
        sentence: tuple[str, ...],
        confidence: tuple[str, ...],
        answerable: tuple[str, ...],
    ) -> None:
        """Refuse a file fitted for other features than this code computes."""
        for name, model, expected in (
            ("span", self.span, span),
            ("sentence", self.sentence, sentence),
            ("confidence", self.confidence, confidence),
            ("answerability", self.answerable, answerable),
            ("off-topic", self.off_topic, answerable),
        ):
            if model.features != expected:
                raise ModelFileError(f"the {name} model was fitted on other features: run `make fit`")

    def save(self, path: Path) -> None:
        data = asdict(self)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_model(path: Path) -> AnswerModel:
    """Read a model file written by `AnswerModel.save`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return AnswerModel(
            span=_linear(raw["span"]),
            sentence=_linear(raw["sentence"]),
            confidence=_linear(raw["confidence"]),
            answerable=_linear(raw["answerable"]),
            off_topic=_linear(raw["off_topic"]),
            thresholds=Thresholds(**raw["thresholds"]),
            trained_on=tuple(raw.get("trained_on", ())),
        )
    except FileNotFoundError:
        raise ModelFileError(f"no answer model at {path}: run `make fit`") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ModelFileError(f"the answer model {path} cannot be read ({error}): run `make fit`") from None


def _linear(raw: dict[str, object]) -> LinearModel:
    return LinearModel(
        features=tuple(raw["features"]),  # type: ignore[arg-type]
        mean=tuple(raw["mean"]),  # type: ignore[arg-type]
        scale=tuple(raw["scale"]),  # type: ignore[arg-type]
        coef=tuple(raw["coef"]),  # type: ignore[arg-type]
        intercept=float(raw["intercept"]),  # type: ignore[arg-type]
    )
