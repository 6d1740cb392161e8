"""Repeated samples of one measurement: median, spread, ratios, and how to print them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Samples of one measurement, in seconds (unit "s") or kibibytes (unit "KiB")."""

    samples: tuple[float, ...]
    unit: str = "s"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Half the interquartile range as a fraction of the median: the ± of a cell.

        Quartiles rather than min-max, so that one run hit by another process's
        burst does not make the whole row look unreliable.
        """
        if len(self.samples) < 2:
            return 0.0
        low, _, high = statistics.quantiles(self.samples, n=4, method="inclusive")
        return (high - low) / 2 / self.median

    def __str__(self) -> str:
        return f"{show(self.median, self.unit)} ±{self.spread:.0%}"

    def to_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "median": self.median,
            "min": min(self.samples),
            "max": max(self.samples),
            "spread": self.spread,
            "n": len(self.samples),
            "samples": list(self.samples),
        }


def show(value: float, unit: str = "s") -> str:
    """A time with the unit that keeps three significant digits readable; memory in MiB."""
    if unit == "KiB":
        return f"{value / 1024:.0f} MiB"
    for scale, name in [(1e-6, "ns"), (1e-3, "µs"), (1.0, "ms")]:
        if abs(value) < scale:
            return f"{value / scale * 1e3:.3g} {name}"
    return f"{value:.3g} s"


def ratio(numerator: Summary, denominator: Summary) -> float:
    """Ratio of medians, both taken in the same interleaved rounds."""
    return numerator.median / denominator.median


def paired_ratio(numerator: Summary, denominator: Summary) -> float:
    """Median of sample-by-sample ratios, for samples taken in pairs (the same round, back to back).

    Pairs share the machine's state of the moment, so this sees a 1% difference
    that two separate medians of noisy samples would blur.
    """
    if len(numerator.samples) != len(denominator.samples):
        raise ValueError("paired_ratio needs samples taken in pairs")
    return statistics.median(a / b for a, b in zip(numerator.samples, denominator.samples, strict=True))


def times(value: float) -> str:
    return f"{value:.3g}x"
