"""Shared helper for the generators: write one corpus case and record its
manifest row in $META_DIR/<producer>.tsv (merged later by build_manifest.py)."""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
META_DIR = os.environ.get("META_DIR", "/tmp/corpus-work/meta")


def write(rel, data, label, category, source, how, producer=None):
    assert label in ("leaky", "benign")
    if label == "benign":
        category = "-"
    path = os.path.join(CORPUS, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) <= 100 * 1024, (rel, len(data))
    with open(path, "wb") as f:
        f.write(data)
    record(rel, label, category, source, how, producer)


def record(rel, label, category, source, how, producer=None):
    producer = producer or os.path.splitext(os.path.basename(sys.argv[0]))[0]
    os.makedirs(META_DIR, exist_ok=True)
    with open(os.path.join(META_DIR, producer + ".tsv"), "a") as f:
        f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in (rel, label, category, source, how)) + "\n")


if __name__ == "__main__":
    # CLI for shell scripts: corpuslib.py record PRODUCER REL LABEL CATEGORY SOURCE HOW
    _, cmd, producer, rel, label, category, source, how = sys.argv
    assert cmd == "record"
    if label == "benign":
        category = "-"
    assert os.path.exists(os.path.join(CORPUS, rel)), rel
    record(rel, label, category, source, how, producer)
