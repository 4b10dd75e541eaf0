"""Export the sentence-transformers model to a quantised int8 ONNX file, once per model, locally.

Why: the int8 model embeds about 1.7× faster than PyTorch on this 2-core CPU and answers a
query in ~5 ms, and a process that only asks questions then never imports torch (sentence-
transformers alone takes ~9 s to import), which is most of the chat's cold start.

The export runs from the bundled weights with torch (no download): the transformer plus its
mean pooling and normalisation become one graph, weights are quantised to int8 per channel,
and the result is checked against the PyTorch model before it is kept. It is written to a
temporary folder and renamed into place, so a crash never leaves half a model behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_VERSION = "1"  # bump when the export recipe changes: old exports are then ignored
MODEL_FILE = "model_int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "encoder.json"
MIN_AGREEMENT = 0.95  # lowest cosine to the PyTorch embedding accepted on the check sentences
CHECK_SENTENCES = (
    "Who carried out the 2025 report?",
    "Inspectors found serious weaknesses in services for children in need of help and protection.",
    "The council put an extra £12 million into children's services.",
    "A short line.",
    "Care Inspectorate Wales published its findings after visiting the local authority in 2017, "
    "and the council accepted every recommendation it made about safeguarding and placements.",
)


class ExportError(RuntimeError):
    """The model cannot be exported as asked; the message says what to do instead."""


@dataclass(frozen=True)
class ExportedEncoder:
    """Where an exported model lives and what it was checked to do."""

    folder: Path
    max_length: int
    agreement: float  # lowest cosine to PyTorch on the check sentences

    @property
    def model_file(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def tokenizer_file(self) -> Path:
        return self.folder / TOKENIZER_FILE


EmbedWith = Callable[[ExportedEncoder], Callable[[list[str]], np.ndarray]]


def int8_encoder(model_path: Path, cache_dir: Path, embed_with: EmbedWith) -> ExportedEncoder:
    """The int8 export of the model at `model_path`, made now if `cache_dir` does not hold it yet.

    `embed_with` opens an export for encoding (the embedder's own runtime, so the agreement
    measured is that of the code that will use it)."""
    folder = cache_dir / _export_key(model_path)
    meta = folder / META_FILE
    if _complete(folder):
        data = json.loads(meta.read_text(encoding="utf-8"))
        return ExportedEncoder(folder, int(data["max_length"]), float(data["agreement"]))
    if folder.exists() and not _complete(folder):  # a file of it was deleted by hand: export again
        shutil.rmtree(folder, ignore_errors=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    print(f"exporting the encoder to int8 ONNX (once) into {folder}", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as scratch:
        staging = Path(scratch) / "encoder"
        staging.mkdir()
        exported = _export(model_path, staging, embed_with)
        try:
            os.replace(staging, folder)
        except OSError:  # another process finished the same export first; its copy is as good
            if not _complete(folder):
                raise
    return ExportedEncoder(folder, exported.max_length, exported.agreement)


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (META_FILE, MODEL_FILE, TOKENIZER_FILE))


def _export_key(model_path: Path) -> str:
    """A folder name that changes when the model's weights or the export recipe change."""
    weights = sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin"))
    if not weights:
        raise ExportError(f"no model weights (*.safetensors, *.bin) in {model_path}")
    digest = hashlib.sha256(f"{EXPORT_VERSION}\x00{model_path.resolve()}".encode())
    for file in weights:
        stat = file.stat()
        digest.update(f"\x00{file.name}\x00{stat.st_size}\x00{stat.st_mtime_ns}".encode())
    return f"{model_path.name}-int8-{digest.hexdigest()[:16]}"


def _check_mean_pooling(model_path: Path) -> None:
    pooling = model_path / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8")) if pooling.is_file() else {}
    if not config.get("pooling_mode_mean_tokens"):
        raise ExportError(
            f"the int8 ONNX encoder supports mean-pooling models only, and {model_path} is not one; "
            "set ASSISTANT_ENCODER=torch"
        )


def _max_length(model_path: Path) -> int:
    config = model_path / "sentence_bert_config.json"
    data = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    return int(data.get("max_seq_length") or 512)


def _export(model_path: Path, out: Path, embed_with: EmbedWith) -> ExportedEncoder:
    _check_mean_pooling(model_path)
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformer = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()
    pooled = _mean_pooled(transformer)
    sample = torch.ones((2, 11), dtype=torch.long)
    fp32 = out / "model_fp32.onnx"
    root_logger = logging.getLogger()  # the quantiser logs advice about pre-processing at WARNING
    level = root_logger.level
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root_logger.setLevel(logging.ERROR)
        try:
            torch.onnx.export(
                pooled,
                (sample, torch.ones_like(sample), torch.zeros_like(sample)),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["sentence_embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "token_type_ids": {0: "batch", 1: "tokens"},
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
            quantize_dynamic(str(fp32), str(out / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root_logger.setLevel(level)
    fp32.unlink()
    shutil.copyfile(model_path / TOKENIZER_FILE, out / TOKENIZER_FILE)
    max_length = _max_length(model_path)
    agreement = _agreement(model_path, out, max_length, embed_with)
    if agreement < MIN_AGREEMENT:
        raise ExportError(
            f"the int8 export agrees with the PyTorch model only to cosine {agreement:.3f} "
            f"(< {MIN_AGREEMENT}); set ASSISTANT_ENCODER=torch"
        )
    (out / META_FILE).write_text(
        json.dumps(
            {
                "source": str(model_path),
                "export_version": EXPORT_VERSION,
                "max_length": max_length,
                "agreement": agreement,
                "quantisation": "dynamic int8, per channel (onnxruntime.quantization)",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return ExportedEncoder(out, max_length, agreement)


def _agreement(model_path: Path, out: Path, max_length: int, embed_with: EmbedWith) -> float:
    """Lowest cosine between the export's embeddings and sentence-transformers' own."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    expected = reference.encode(list(CHECK_SENTENCES), normalize_embeddings=True, convert_to_numpy=True)
    found = embed_with(ExportedEncoder(out, max_length, 1.0))(list(CHECK_SENTENCES))
    return float(np.min(np.sum(expected * found, axis=1)))


def _mean_pooled(transformer: Any) -> Any:
    """The transformer, mean pooling over real tokens and L2 normalisation, as one torch module."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    return MeanPooled().eval()
