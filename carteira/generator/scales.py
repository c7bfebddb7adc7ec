"""Size presets. Row counts scale roughly linearly with ``persons``.

Totals for a 7-day run (measured, see the generator report): tiny a few hundred
rows, small ~100 thousand, medium ~1 million, large ~20 million.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Knobs of one size preset."""

    name: str
    persons: int  # distinct people across the three client systems
    staff: int
    instructors: int
    products: int
    activity: float  # multiplier of every per-person yearly event rate
    window_boost: float  # extra share of new child records placed in the run's days
    campaign_every_days: int
    window_sessions_per_day: int  # minimum studio sessions per day around the run


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        "tiny",
        persons=24,
        staff=16,
        instructors=3,
        products=8,
        activity=0.12,
        window_boost=0.25,
        campaign_every_days=400,
        window_sessions_per_day=1,
    ),
    "small": Scale(
        "small",
        persons=2_600,
        staff=30,
        instructors=8,
        products=60,
        activity=1.0,
        window_boost=0.0,
        campaign_every_days=90,
        window_sessions_per_day=2,
    ),
    "medium": Scale(
        "medium",
        persons=26_000,
        staff=90,
        instructors=25,
        products=200,
        activity=1.0,
        window_boost=0.0,
        campaign_every_days=60,
        window_sessions_per_day=4,
    ),
    "large": Scale(
        "large",
        persons=520_000,
        staff=600,
        instructors=120,
        products=800,
        activity=1.0,
        window_boost=0.0,
        campaign_every_days=30,
        window_sessions_per_day=20,
    ),
}
