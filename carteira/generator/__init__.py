"""Synthetic landing-zone generator (``carteira generate``).

Writes the 31 tables of :mod:`carteira.contract` exactly as the source systems
deliver them (formats, encodings and quirks of docs/contract/sources.md): a full export on the
first day and daily deltas after it, deterministic for a seed, at four sizes.
"""

from carteira.generator.core import GenerationStats, generate
from carteira.generator.scales import SCALES, Scale

__all__ = ["SCALES", "GenerationStats", "Scale", "generate"]
