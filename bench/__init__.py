"""`assistant bench`: how fast and how exact ingest, search and the chat are, in one run.

Measures, on this machine and offline:

* ingest throughput of our pipeline on a large real corpus (Debian's python3.11-doc reST
  sources), against the raw encoder on the very same passages, against LlamaIndex doing the
  same work (`IngestionPipeline`, a `SentenceSplitter` sized to within 10% of our passage
  count, the same MiniLM through `HuggingFaceEmbedding`, a `ChromaVectorStore`), and, as a
  footnote, against LlamaIndex's default `VectorStoreIndex.from_documents` on the same files;
* re-ingest with nothing changed and with one file changed;
* `Assistant.ask` latency (p50/p95) on the bundled corpus and on the large one;
* HNSW recall@10 of the Chroma index against exact brute force;
* cold start of `assistant serve` until its first answer, and its peak memory;
* with `--scale`, the product on one index of 100,000+ passages (python3.11-doc, linux-doc
  and the bundled corpus): ingest, index size, re-ingest, ask, recall, serve start-up and memory.

Figures are printed next to their targets, never asserted. Every measurement is a small
function taking folders and an embedder, so the tests can run them on a tiny corpus.

The package only re-exports the command and `run_bench`; the work is in its modules:

* `runtime`: progress log lines, the offline environment and the network guard;
* `corpus`: the python3.11-doc sources, the passage-capped subset, passage texts;
* `ingest`: our pipeline, the raw encoder, LlamaIndex (same work, and its default), re-ingest;
* `asking`: `Assistant.ask` latency and HNSW recall@10;
* `serving`: cold start and peak memory of `assistant serve`, stopping a subprocess;
* `scale`: the 100,000-passage corpus and every measurement on it (`--scale`);
* `report`: the targets and the readable tables;
* `command`: `run_bench` (every measurement in one run) and the click `bench` command.
"""

from bench.command import bench, run_bench

__all__ = ["bench", "run_bench"]
