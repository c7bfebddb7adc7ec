"""The generator's entry point: simulate the business and write the landing zone."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from carteira.contract import TABLES
from carteira.generator.crm import generate_crm
from carteira.generator.erp import generate_erp
from carteira.generator.org import build_org
from carteira.generator.pbx import generate_pbx
from carteira.generator.population import build_population
from carteira.generator.scales import SCALES
from carteira.generator.sim import Sim
from carteira.generator.studio import generate_studio
from carteira.generator.timeline import Timeline
from carteira.generator.writers import LandingWriter


@dataclass
class GenerationStats:
    """What a run wrote: for the CLI's summary and for measurements."""

    files_written: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # "system__table" -> rows, all days
    total_rows: int = 0
    seconds: float = 0.0


def generate(
    landing: Path,
    start: date,
    days: int,
    scale: str,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> GenerationStats:
    """Write ``landing/<system>/<table>/<table>_<YYYYMMDD>.<ext>`` for all 31 tables.

    Day ``start`` is a full export (with ~5 years of history); each later day up to
    ``start + days - 1`` is a delta of the records created or changed that day. The
    same arguments always produce byte-identical files. Existing files of the same
    names are overwritten; other files under ``landing`` are left alone.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if days < 1:
        raise ValueError("days must be >= 1")
    began = time.perf_counter()
    say = progress or (lambda _msg: None)
    sc = SCALES[scale]
    tl = Timeline(start, days)
    landing = Path(landing)
    writer = LandingWriter(landing, tl)
    # one independent stream per domain, so changing one domain does not reshuffle others
    streams = {
        name: random.Random(f"{seed}:{name}")
        for name in ("org", "population", "crm", "pbx", "studio", "erp")
    }
    try:
        say(f"generating scale={scale} seed={seed} start={start} days={days} into {landing}")
        org = build_org(writer, tl, streams["org"], sc.staff)
        pop = build_population(tl, streams["population"], sc.persons, org)
        say(f"population: {len(pop.names)} persons, {len(org.staff)} staff")
        crm = generate_crm(writer, Sim(tl, streams["crm"], sc), pop, org)
        say("crm written")
        generate_pbx(writer, Sim(tl, streams["pbx"], sc), pop, org, crm)
        say("pbx written")
        generate_studio(writer, Sim(tl, streams["studio"], sc), pop)
        say("studio written")
        generate_erp(writer, Sim(tl, streams["erp"], sc), pop, org)
        say("erp written")
    finally:
        writer.close_all()
    rows = {t.fqn: writer.rows.get(t.fqn, 0) for t in TABLES}
    stats = GenerationStats(
        files_written=writer.files_written,
        rows=rows,
        total_rows=sum(rows.values()),
        seconds=round(time.perf_counter() - began, 3),
    )
    say(f"done: {stats.files_written} files, {stats.total_rows} rows in {stats.seconds}s")
    return stats
