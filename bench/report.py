"""How the benches print their figures: Markdown tables, ready for BENCHMARKS.md."""

from __future__ import annotations


def table(title: str, rows: dict[str, object]) -> None:
    print(f"\n### {title}\n\n| measure | value |\n| --- | --- |")
    for name, value in rows.items():
        print(f"| {name} | {value:.1f} |" if isinstance(value, float) else f"| {name} | {value} |")
