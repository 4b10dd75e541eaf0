"""Talk to any OpenAI-compatible server through LlamaIndex's `OpenAILike` (Ollama, vLLM,
llama.cpp, Azure OpenAI's v1 endpoint), and turn every failure into a `ModelError` whose
message is safe to show.

The API key goes to the client and nowhere else: it is not logged, and an error message is
built from the kind of failure and the HTTP status only, never from the server's text (an
OpenAI-style 401 echoes part of the key) nor from the client object (whose repr holds it).
Any text that still contained the key would have it masked.

Does not build prompts or check replies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from assistant.core.settings.generation import LlmSettings

_NO_KEY = "no-key"  # OpenAI's client insists on a key; local servers ignore it


class ModelError(Exception):
    """The model could not give a reply; the message is meant for the user and holds no secret."""


class Writer:
    """Sends (role, content) messages to the configured model and returns its reply text."""

    def __init__(self, settings: LlmSettings) -> None:
        if not settings.base_url:
            raise ModelError("no language model is configured (ASSISTANT_LLM_BASE_URL is unset)")
        self.settings = settings
        self.where = redacted_url(settings.base_url)
        self._lock = threading.Lock()
        self._llm: object | None = None

    def write(self, messages: Sequence[tuple[str, str]]) -> str:
        """The model's reply; `ModelError` on a timeout, a refused connection or an HTTP error."""
        import openai
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=role, content=content) for role, content in messages]
        started = time.monotonic()
        try:
            response = self._client().chat(chat)  # type: ignore[attr-defined]
        except openai.APITimeoutError:
            raise ModelError(
                f"the model at {self.where} did not answer within {self.settings.timeout_s:g} s"
            ) from None
        except openai.APIConnectionError:
            raise ModelError(f"could not reach the model server at {self.where}") from None
        except openai.APIStatusError as error:
            raise ModelError(
                f"the model server at {self.where} answered HTTP {error.status_code}"
                f"{' (is ASSISTANT_LLM_API_KEY right?)' if error.status_code in (401, 403) else ''}"
            ) from None
        except Exception as error:  # noqa: BLE001 - any other failure: fall back, say what kind
            raise ModelError(
                self._masked(
                    f"the model call failed ({type(error).__name__}) after {time.monotonic() - started:.1f} s"
                )
            ) from None
        return str(response.message.content or "")

    def _client(self) -> object:
        """The LlamaIndex LLM, built once (it keeps one HTTP connection pool)."""
        with self._lock:
            if self._llm is None:
                from llama_index.llms.openai_like import OpenAILike

                key = self.settings.api_key.get_secret_value() if self.settings.api_key else _NO_KEY
                self._llm = OpenAILike(
                    model=self.settings.model,
                    api_base=self.settings.base_url,
                    api_key=key,
                    is_chat_model=True,
                    context_window=self.settings.context_window,
                    max_tokens=self.settings.max_tokens,
                    temperature=self.settings.temperature,
                    timeout=self.settings.timeout_s,
                    max_retries=0,
                )
            return self._llm

    def _masked(self, text: str) -> str:
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        return text.replace(key, "***") if key else text

    def __repr__(self) -> str:
        return f"Writer({self.where}, model={self.settings.model!r})"


def redacted_url(url: str) -> str:
    """The URL without user name, password or query (which may carry a key).

    Example: "https://u:p@host/v1?api-key=x" -> "https://host/v1".
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
