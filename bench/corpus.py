"""The bench's corpora: the python3.11-doc reST sources, a passage-capped subset, passage texts.

Installs Debian's python3.11-doc when its sources are missing, copies a deterministic subset
of at least N passages (files ordered by the SHA-1 of their path), counts passages as our
pipeline would split them, and lists passage texts in the order the pipeline embeds them.
It embeds, ingests and times nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click

from assistant.core.settings import Settings
from assistant.core.settings.paths import PROJECT_ROOT
from bench.runtime import log

DOC_SOURCES = Path("/usr/share/doc/python3.11/html/_sources")
DOC_PACKAGE = "python3.11-doc"
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
FULL_PASSAGES = 3000  # the full corpus (~177k passages) would take over an hour to embed on 2 cores
QUICK_PASSAGES = 500


def ensure_doc_sources(source: Path = DOC_SOURCES, package: str = DOC_PACKAGE) -> Path:
    """A Debian documentation folder (by default python3.11-doc's reST sources), installing
    `package` with apt-get when it is missing."""
    if source.is_dir():
        return source
    log(f"{source} missing: apt-get install -y {package}")
    install = ["apt-get", "install", "-y", package]
    if subprocess.run(install, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        log(f"install failed; running apt-get update, then installing {package} again")
        subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, stdout=subprocess.DEVNULL, check=True)
    if not source.is_dir():
        raise click.ClickException(f"{package} installed but {source} is still missing")
    return source


def passage_texts(path: Path, name: str) -> list[str]:
    """The passages our pipeline makes of one file, load → clean → split ([] when it cannot be read)."""
    from ingest.furniture import content_blocks
    from ingest.loaders import LoadError, load_document
    from ingest.splitter import split_passages

    try:
        extracted = load_document(path, path.read_bytes())
    except (LoadError, OSError):
        return []
    text = extracted.text
    blocks = content_blocks(text, wrapped=extracted.wrapped, kept=extracted.kept)
    return [p.text for p in split_passages(name, text, blocks)]


@dataclass(frozen=True)
class CorpusSubset:
    files: list[str]
    passages: int
    available_files: int
    capped: bool


def build_corpus(source: Path, target: Path, min_passages: int | None) -> CorpusSubset:
    """Copy .txt files of `source` into `target` (keeping relative paths).

    With `min_passages`, files are taken in a fixed pseudo-random order (by the hash of their
    path, so the subset mixes library, howto and tutorial pages) until that many passages.
    """
    names = sorted(p.relative_to(source).as_posix() for p in source.rglob("*.txt") if p.is_file())
    order = sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest()) if min_passages else names
    chosen: list[str] = []
    passages = 0
    for name in order:
        if min_passages is not None and passages >= min_passages:
            break
        count = len(passage_texts(source / name, name))
        if not count:
            continue
        chosen.append(name)
        passages += count
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, destination)
    return CorpusSubset(sorted(chosen), passages, len(names), len(chosen) < len(names))


def corpus_texts(corpus: Path) -> list[str]:
    """Passage texts in the order our pipeline embeds them."""
    from ingest.scanning import scan_corpus

    paths, _ = scan_corpus(corpus, Settings().ingest.max_file_bytes)
    return [text for path in paths for text in passage_texts(path, path.relative_to(corpus).as_posix())]
