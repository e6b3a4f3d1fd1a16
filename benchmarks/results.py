"""The figures a benchmark produces: samples, their median and range, ratios, and tables."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

__all__ = ["Row", "Section", "Stat"]


@dataclass(frozen=True)
class Stat:
    """Repeated samples of one figure: reported as the median and the min-max range."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median sample (NaN when there is none)."""
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def lo(self) -> float:
        """The smallest sample."""
        return min(self.samples) if self.samples else math.nan

    @property
    def hi(self) -> float:
        """The largest sample."""
        return max(self.samples) if self.samples else math.nan


def number(value: float) -> str:
    """A figure with as many digits as it deserves."""
    if math.isnan(value):
        return "n/a"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass(kw_only=True)
class Row:
    """One measured figure, optionally as a ratio against a baseline of the same run."""

    key: str
    name: str
    unit: str
    value: Stat
    baseline: Row | None = None
    p50_ms: Stat | None = None
    p99_ms: Stat | None = None
    note: str = ""
    #: Whether samples pair with the baseline's by round (then the ratio range is shown).
    paired: bool = True

    @property
    def ratio(self) -> float:
        """Median over the baseline's median (NaN without a baseline)."""
        if self.baseline is None or not self.baseline.value.median:
            return math.nan
        return self.value.median / self.baseline.value.median

    @property
    def ratio_range(self) -> tuple[float, float]:
        """Min-max of the round-by-round ratios (samples paired by their round)."""
        if self.baseline is None or not self.paired:
            return (math.nan, math.nan)
        pairs = [
            a / b
            for a, b in zip(self.value.samples, self.baseline.value.samples, strict=False)
            if b
        ]
        return (min(pairs), max(pairs)) if pairs else (math.nan, math.nan)

    def cells(self) -> list[str]:
        """The row as table cells (see ``Section.HEADER``)."""
        v = self.value
        spread = f"{number(v.lo)}-{number(v.hi)}" if len(v.samples) > 1 else ""
        ratio = ""
        if self.baseline is not None:
            lo, hi = self.ratio_range
            ratio = f"{self.ratio:.2f}x"
            if len(v.samples) > 1 and not math.isnan(lo):
                ratio += f" ({lo:.2f}-{hi:.2f})"
        p50 = number(self.p50_ms.median) if self.p50_ms else ""
        p99 = number(self.p99_ms.median) if self.p99_ms else ""
        return [self.name, number(v.median), spread, self.unit, ratio, p50, p99, self.note]


@dataclass(kw_only=True)
class Section:
    """A titled table of rows with notes on how they were measured."""

    HEADER = ("measurement", "median", "min-max", "unit", "ratio (range)", "p50 ms", "p99 ms", "")

    title: str
    notes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        """Append ``row`` and return it (to use it as a baseline)."""
        self.rows.append(row)
        return row

    def row(self, key: str) -> Row | None:
        """The row with this key, if any."""
        return next((r for r in self.rows if r.key == key), None)

    def text(self) -> str:
        """The section as an aligned plain-text table."""
        table = [list(self.HEADER), *(r.cells() for r in self.rows)]
        widths = [max(len(line[i]) for line in table) for i in range(len(self.HEADER))]
        out = [f"== {self.title}", *(f"   {n}" for n in self.notes)]
        for line in table:
            cells = [
                c.ljust(w) if i in (0, 3, 7) else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ]
            out.append("  ".join(cells).rstrip())
        return "\n".join(out)

    def markdown(self) -> str:
        """The section as a Markdown table."""
        out = [f"### {self.title}", ""]
        out += [f"- {n}" for n in self.notes]
        if self.notes:
            out.append("")
        out.append("| " + " | ".join(self.HEADER[:-1]) + " | note |")
        out.append("|" + "---|" * len(self.HEADER))
        out += ["| " + " | ".join(r.cells()) + " |" for r in self.rows]
        return "\n".join(out) + "\n"
