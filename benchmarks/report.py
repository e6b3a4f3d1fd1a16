"""The report of one run: plain text for the terminal, Markdown for RESULTS.md, JSON for tools."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.results import Section
from benchmarks.targets import Verdict

__all__ = ["Report"]


#: Hand-written reasons for missed targets, copied into RESULTS.md after the targets table.
ANALYSIS = Path(__file__).with_name("analysis.md")


@dataclass(kw_only=True)
class Report:
    """Everything one run found, with its context."""

    command: str
    machine: dict[str, str]
    versions: dict[str, str]
    settings: dict[str, str]
    sections: list[Section] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def targets_text(self) -> str:
        """The targets as a plain-text list."""
        lines = ["== Targets (issue 9)"]
        for v in self.verdicts:
            lines.append(f"   [{v.verdict:^12}] {v.target}: {v.measured}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """RESULTS.md."""
        out = [
            "# Benchmark results",
            "",
            f"Written by `{self.command}` (see `benchmarks/__init__.py`); rerun it rather than "
            "editing this file. Figures are medians of repeated measurements with their min-max "
            "range; ratios are against baselines measured in the same run (with the min-max of the "
            "round-by-round ratios), since absolute figures swing 2-4x between runs on shared "
            "machines.",
            "",
            "## Machine and versions",
            "",
            "| | |",
            "|---|---|",
        ]
        for name, value in {**self.machine, **self.versions}.items():
            out.append(f"| {name} | {value} |")
        out += ["", "## Settings", ""]
        out += [f"- {name}: {value}" for name, value in self.settings.items()]
        out += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
        for v in self.verdicts:
            verdict = f"**{v.verdict}**" if v.met is False else v.verdict
            out.append(f"| {v.target} | {v.measured} | {verdict} |")
        if ANALYSIS.is_file():
            out += ["", ANALYSIS.read_text().strip()]
        if self.notes:
            out += ["", "## Notes on this run", ""]
            out += [f"- {n}" for n in self.notes]
        out += ["", "## Figures", ""]
        for section in self.sections:
            out += [section.markdown()]
        return "\n".join(out).rstrip() + "\n"

    def as_json(self) -> str:
        """The report as JSON (every sample kept)."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        sections: list[dict[str, Any]] = []
        for section in self.sections:
            rows = []
            for r in section.rows:
                lo, hi = r.ratio_range
                rows.append(
                    {
                        "key": r.key,
                        "name": r.name,
                        "unit": r.unit,
                        "median": clean(r.value.median),
                        "min": clean(r.value.lo),
                        "max": clean(r.value.hi),
                        # Thousands of reset samples would bloat the file; medians say enough.
                        "samples": list(r.value.samples) if len(r.value.samples) <= 100 else [],
                        "sample_count": len(r.value.samples),
                        "baseline": r.baseline.key if r.baseline is not None else None,
                        "ratio": clean(r.ratio),
                        "ratio_range": [clean(lo), clean(hi)],
                        "p50_ms": clean(r.p50_ms.median) if r.p50_ms else None,
                        "p99_ms": clean(r.p99_ms.median) if r.p99_ms else None,
                        "note": r.note,
                    }
                )
            sections.append({"title": section.title, "notes": section.notes, "rows": rows})
        return json.dumps(
            {
                "command": self.command,
                "machine": self.machine,
                "versions": self.versions,
                "settings": self.settings,
                "sections": sections,
                "targets": [
                    {"target": v.target, "measured": v.measured, "met": v.met}
                    for v in self.verdicts
                ],
                "notes": self.notes,
            },
            indent=1,
        )
