"""Merges the rows recorded by the producers ($META_DIR/*.tsv) into
../manifest.tsv and regenerates the table in ../README.md (between the
<!-- TABLE --> markers). Checks that every corpus file has exactly one row, that
categories are valid, and the size limits (100 KiB per file, 3 MiB total)."""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
META_DIR = os.environ.get("META_DIR", "/tmp/corpus-work/meta")
CATS = {"stack_trace", "database", "file_path", "connection_string", "secret",
        "version_banner", "debug_page", "environment_dump", "private_address"}

rows = {}
for f in sorted(glob.glob(os.path.join(META_DIR, "*.tsv"))):
    for line in open(f, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        rel, label, cat, source, how = line.split("\t")
        rows[rel] = (label, cat, source, how)  # last write wins (re-runs)

files = set()
for top in ("leaky", "benign"):
    for dp, _, fns in os.walk(os.path.join(CORPUS, top)):
        for fn in fns:
            files.add(os.path.relpath(os.path.join(dp, fn), CORPUS))

errors = []
for rel in sorted(files - rows.keys()):
    errors.append("file without manifest row: " + rel)
for rel in sorted(rows.keys() - files):
    errors.append("manifest row without file: " + rel)
total = 0
for rel in sorted(files & rows.keys()):
    label, cat, _, _ = rows[rel]
    size = os.path.getsize(os.path.join(CORPUS, rel))
    total += size
    if size > 100 * 1024:
        errors.append(f"too large: {rel} {size}")
    if label == "leaky":
        if cat not in CATS or not rel.startswith(f"leaky/{cat}/"):
            errors.append(f"bad category/dir: {rel} {cat}")
    elif label != "benign" or cat != "-" or not rel.startswith("benign/"):
        errors.append(f"bad benign row: {rel}")
if errors:
    print("\n".join(errors))
    sys.exit(1)

order = sorted(rows, key=lambda r: (rows[r][0] != "leaky", rows[r][1], r))
with open(os.path.join(CORPUS, "manifest.tsv"), "w", encoding="utf-8") as f:
    f.write("path\tlabel\tcategory\tsource\n")
    for rel in order:
        label, cat, source, _ = rows[rel]
        f.write(f"{rel}\t{label}\t{cat}\t{source}\n")


def md(s):
    return s.replace("|", "\\|")


table = ["| file | label | category | how it was produced |", "| --- | --- | --- | --- |"]
for rel in order:
    label, cat, source, how = rows[rel]
    table.append(f"| `{md(rel)}` | {label} | {cat} | {md(source)}; {md(how)} |")

readme = os.path.join(CORPUS, "README.md")
text = open(readme, encoding="utf-8").read()
start, end = "<!-- TABLE START -->", "<!-- TABLE END -->"
a, b = text.index(start) + len(start), text.index(end)
text = text[:a] + "\n" + "\n".join(table) + "\n" + text[b:]
counts = {}
for rel in rows:
    k = rows[rel][1] if rows[rel][0] == "leaky" else "benign"
    counts[k] = counts.get(k, 0) + 1
cs, ce = "<!-- COUNTS START -->", "<!-- COUNTS END -->"
a, b = text.index(cs) + len(cs), text.index(ce)
lines = ["| group | cases |", "| --- | --- |"] + [f"| {k} | {counts[k]} |" for k in sorted(counts, key=lambda k: (k == "benign", k))]
lines.append(f"| **total** | {len(rows)} ({sum(v for k, v in counts.items() if k != 'benign')} leaky, {counts.get('benign', 0)} benign; {total} bytes) |")
text = text[:a] + "\n" + "\n".join(lines) + "\n" + text[b:]
open(readme, "w", encoding="utf-8").write(text)
print(f"{len(rows)} cases, {total} bytes")
for k in sorted(counts):
    print(k, counts[k])
