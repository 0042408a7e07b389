"""PNG charts for model cards, validation runs and the fairness audit (matplotlib, no display needed).

An edge of the system: it writes files. The numbers come ready-made from `engine.scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: charts are files, on a server as on a laptop

import matplotlib.pyplot as plt  # the backend above is chosen before pyplot loads

from engine.scores.fairness import GroupRow

Calibration = Sequence[tuple[float, float, int]]


def calibration_plot(curves: dict[str, Calibration], path: Path, title: str = "Calibration") -> Path:
    """A reliability diagram: observed rate against mean prediction per bin, one line per curve."""
    figure, axes = plt.subplots(figsize=(6, 6), dpi=100)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfectly calibrated")
    for label, table in curves.items():
        if table:
            predicted, observed, _ = zip(*table, strict=True)
            axes.plot(predicted, observed, marker="o", linewidth=1.5, label=label)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean predicted probability", ylabel="observed rate", title=title)
    axes.legend(loc="upper left", fontsize=7)
    axes.grid(alpha=0.3)
    return save(figure, path)


def fairness_chart(rows: Sequence[GroupRow], measures: Sequence[str], path: Path) -> Path:
    """Disparity ratios per group and measure, the four-fifths band (0.8-1.25) shaded, flagged bars hatched."""
    attributes = list(dict.fromkeys(row.attribute for row in rows))
    figure, panels = plt.subplots(len(attributes), 1, figsize=(9, 3 * max(len(attributes), 1)), dpi=100, squeeze=False)
    for panel, attribute in zip(panels[:, 0], attributes, strict=True):
        mine = [row for row in rows if row.attribute == attribute]
        groups = list(dict.fromkeys(row.group for row in mine))
        width = 0.8 / max(len(measures), 1)
        for k, measure in enumerate(measures):
            found = [next((r for r in mine if r.group == g and r.measure == measure), None) for g in groups]
            # no ratio (the reference had none): no bar, rather than a bar at 0 that reads as "none here"
            heights = [r.ratio if r is not None and r.ratio is not None else float("nan") for r in found]
            bars = panel.bar([i + k * width for i in range(len(groups))], heights, width, label=measure)
            for bar, row in zip(bars, found, strict=True):
                if row is not None and row.flagged:
                    bar.set(hatch="///", edgecolor="black")
        panel.axhspan(0.8, 1.25, color="green", alpha=0.08)
        panel.axhline(1.0, color="grey", linewidth=1)
        panel.set_xticks([i + width * (len(measures) - 1) / 2 for i in range(len(groups))], groups)
        panel.set(title=f"by {attribute}: ratio to the reference group", ylabel="ratio")
    panels[0, 0].legend(fontsize=7, ncol=min(len(measures), 5), loc="upper right")
    return save(figure, path)


def save(figure: plt.Figure, path: Path) -> Path:
    """Write the figure as PNG and free it (pyplot keeps every open figure otherwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
    return path
