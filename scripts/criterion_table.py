#!/usr/bin/env python3
"""Markdown tables from the last `cargo bench --bench overhead` run.

Reads target/criterion/*/*/new/{benchmark,estimates}.json (criterion's own
output) and prints, per subscriber mode, one row per scenario: the median
time per request of each stack, the overhead over bare, and how RedactLayer's
overhead compares with the tower-http stack's.

    python3 scripts/criterion_table.py [TARGET_DIR]
"""

import json
import pathlib
import sys

STACKS = ["bare", "redact", "tower-http"]
SCENARIOS = [
    "pass_200_generated_id",
    "pass_200_incoming_id",
    "rewrite_500",
    "panic",
    "4xx_benign_1k_json",
    "4xx_leaky_1k_traceback",
]
MODES = ["no_subscriber", "subscriber"]


def load(root):
    results = {}
    for bench in root.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        group = meta["group_id"]
        if "/" not in group:
            continue
        scenario, mode = group.rsplit("/", 1)
        median = estimates["median"]
        results[(scenario, mode, meta["function_id"])] = (
            median["point_estimate"],
            median["confidence_interval"]["lower_bound"],
            median["confidence_interval"]["upper_bound"],
        )
    return results


def fmt_ns(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def main():
    target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target")
    results = load(target / "criterion")
    if not results:
        sys.exit(f"no criterion results under {target / 'criterion'}")
    for mode in MODES:
        print(f"\n### Median ns per request, {mode.replace('_', ' ')}\n")
        print(
            "| scenario | bare | redact | tower-http | redact − bare | tower-http − bare "
            "| redact overhead / tower-http overhead | redact / tower-http |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for scenario in SCENARIOS:
            row = [results.get((scenario, mode, s)) for s in STACKS]
            if all(r is None for r in row):
                continue
            cells = [fmt_ns(r[0]) if r else "–" for r in row]
            bare, redact, tower = (r[0] if r else None for r in row)
            over_r = redact - bare if bare is not None and redact is not None else None
            over_t = tower - bare if bare is not None and tower is not None else None
            share = (
                f"{100 * over_r / over_t:.0f} %" if over_r is not None and over_t else "–"
            )
            ratio = f"{redact / tower:.2f}" if redact is not None and tower else "–"
            print(
                f"| {scenario} | {' | '.join(cells)} "
                f"| {fmt_ns(over_r) if over_r is not None else '–'} "
                f"| {fmt_ns(over_t) if over_t is not None else '–'} | {share} | {ratio} |"
            )
    print(
        "\n(medians from criterion's estimates.json; 95 % confidence intervals of each "
        "median are in target/criterion/<group>/<stack>/new/estimates.json)"
    )


if __name__ == "__main__":
    main()
