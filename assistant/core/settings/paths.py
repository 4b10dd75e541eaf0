"""Where the project lies on disk: the defaults of every folder and file setting start here."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
