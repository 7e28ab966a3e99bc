"""Write (or check) the precomputed guideline vectors each built-in plugin ships.

``plugins/<name>/data/guidelines.vectors.npz`` holds the MiniLM vectors of every record the
guideline index embeds for that plugin's ``data/guidelines.yaml`` (see
:mod:`pixtralogist.core.snippet_vectors`). Run this after editing a guideline file or changing
the embedder; ``--check`` only says whether every file is up to date (exit 1 when one is not).

    python tools/guideline_vectors.py [--check] [plugin ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGINS = ("radiology", "pathology", "dermatology", "ophthalmology")


def stale(plugin: str) -> str | None:
    """Why ``plugin``'s committed vectors do not fit its snippets and the current embedder (None: they fit)."""
    from pixtralogist.core.embedding import get_embedder
    from pixtralogist.core.snippet_vectors import SnippetVectors, embedder_sha256, record_texts

    shipped = SnippetVectors.from_package(f"pixtralogist.plugins.{plugin}")
    if shipped is None:
        return "no vectors file"
    return shipped.mismatch(record_texts(_snippets(plugin)), embedder_sha256(get_embedder()))


def _snippets(plugin: str) -> list:
    from importlib import resources

    from pixtralogist.core.guidelines import load_snippet_file

    package = f"pixtralogist.plugins.{plugin}"
    return load_snippet_file(resources.files(package).joinpath("data/guidelines.yaml"), specialty=plugin)


def write(plugin: str) -> Path:
    from pixtralogist.core.embedding import get_embedder
    from pixtralogist.core.snippet_vectors import VECTORS_FILE, SnippetVectors, record_texts

    vectors = SnippetVectors.compute(record_texts(_snippets(plugin)), get_embedder())
    path = REPO / "plugins" / plugin / VECTORS_FILE
    vectors.save(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only check; exit 1 when a file is stale")
    ap.add_argument("plugins", nargs="*", default=list(PLUGINS))
    args = ap.parse_args(argv)
    bad = 0
    for plugin in args.plugins:
        why = stale(plugin)
        if args.check:
            print(f"{plugin}: {why or 'up to date'}")
            bad += why is not None
        elif why is None:
            print(f"{plugin}: up to date")
        else:
            print(f"{plugin}: {why}; wrote {write(plugin).relative_to(REPO)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
