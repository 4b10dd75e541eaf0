"""Load test of the chat's named API endpoint `/ask`: N concurrent clients for a bounded time.

    .venv/bin/python -m bench.load --serve [--clients 50] [--seconds 60] [--json]
    .venv/bin/python -m bench.load --url http://127.0.0.1:7860/ [--clients 50] [--seconds 60]

`--serve` starts `assistant serve` on 127.0.0.1 (a free port, the current ASSISTANT_* environment;
the index must already exist) and stops it at the end. Each client is a thread that asks the
questions of `evals/powys/train/questions.jsonl` in turn until the time is up; a request's latency counts
from its submission to its result. The report gives requests, errors (with the first few
messages), throughput and latency percentiles, as a table or as JSON (`--json`).

Two transports, both through Gradio's queue exactly as the app serves them:

* `http` (default): Gradio's REST queue API over one keep-alive httpx connection per client,
  `POST /gradio_api/call/ask` then the event stream `GET /gradio_api/call/ask/{event_id}`;
  each client keeps one Gradio session, as a browser tab or a `gradio_client.Client` does;
* `client`: one `gradio_client.Client` per thread, `predict(question, api_name="/ask")`.
  Heavier on the load generator (a heartbeat stream and thread pools per client, a new
  connection per request), which shares this machine's cores with the server.

Caps: at most 200 clients, 600 s and 30 s per request; every loop stops by itself.

Parts: `load_clients` (the caps, the questions and the run), `load_transports` (how a client
asks), `load_report` (percentiles and the table), `load_serving` (`--serve`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.load_clients import (
    DEFAULT_QUESTIONS,
    MAX_CLIENTS,
    MAX_REQUEST_TIMEOUT,
    MAX_SECONDS,
    load_questions,
    run_load,
)
from bench.load_report import format_table
from bench.load_serving import served
from bench.load_transports import TRANSPORTS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860/")
    target.add_argument("--serve", action="store_true", help="start `assistant serve` for the run")
    parser.add_argument("--clients", type=int, default=50, help=f"concurrent clients (1..{MAX_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=60.0, help=f"duration (max {MAX_SECONDS:.0f})")
    parser.add_argument(
        "--timeout", type=float, default=MAX_REQUEST_TIMEOUT, help="per-request timeout (max 30)"
    )
    parser.add_argument("--transport", choices=sorted(TRANSPORTS), default="http")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON-lines question set")
    parser.add_argument("--max-requests", type=int, default=None, help="stop after this many requests")
    parser.add_argument(
        "--auth", default=os.environ.get("LOAD_AUTH"), help="USER:PASSWORD when the app asks for a login"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; 0 when every request was answered, 1 when any failed, 2 on bad options."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be more than 0 and at most {MAX_SECONDS:.0f}")
    if not 0 < args.timeout <= MAX_REQUEST_TIMEOUT:
        parser.error(f"--timeout must be more than 0 and at most {MAX_REQUEST_TIMEOUT:.0f}")
    if args.max_requests is not None and args.max_requests < 1:
        parser.error("--max-requests must be at least 1")
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep:
            parser.error("--auth must be USER:PASSWORD")
        auth = (user, password)
    questions = load_questions(args.questions)

    def run(url: str) -> dict[str, Any]:
        return run_load(
            url, args.clients, args.seconds, questions, args.timeout, args.transport, auth, args.max_requests
        )

    if args.serve:
        with served(auth, probe=questions[0]) as url:
            report = run(url)
    else:
        report = run(args.url)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0 if report["errors"] == 0 and report["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
