"""Generative answers: a language model writes from the retrieved passages, every sentence is
checked against its quote, and the extractive answer stands in whenever that gives nothing.

Modules: `values` (what is returned), `passages` (what the model reads), `prompt` (what it is
told), `client` (the OpenAI-compatible call through LlamaIndex), `sentences`, `facts`,
`support` and `checking` (the sentence-by-sentence check), `answerer` (the whole, with the
fallback), `calibrate` (the support threshold) and `local_server` (`make llm`).
"""

from assistant.generative.answerer import GenerativeAnswerer
from assistant.generative.values import EXTRACTIVE, GENERATIVE, GenerativeAnswer, Removed

__all__ = ["EXTRACTIVE", "GENERATIVE", "GenerativeAnswer", "GenerativeAnswerer", "Removed"]
