"""Saved views of the portfolio: files, validation, periods and the `views` commands.

No warehouse is needed here: views are validated without one, and periods resolve
against an as_of given by the caller (the warehouse's, in production).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from carteira.cli.views import VIEWS_GROUP
from carteira.reports.engine import ReportError
from carteira.reports.views import (
    BUILTIN_VIEWS_DIR,
    View,
    delete_view,
    list_views,
    load_view,
    merge_filters,
    period_bounds,
    resolve_filters,
    save_view,
    validate_view,
)

BUILTINS = {"no-contract-this-month", "contracts-this-month", "contract-status-this-year"}


@pytest.fixture(autouse=True)
def views_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my-views"
    monkeypatch.setenv("CARTEIRA_VIEWS_DIR", str(folder))
    return folder


def test_the_three_builtin_views_ship_and_validate() -> None:
    views = {v.name: v for v in list_views()}
    assert set(views) == BUILTINS
    assert all(v.source == "builtin" for v in views.values())
    assert views["no-contract-this-month"].filters == {
        "created_period": "this_month",
        "stage": ["none"],
    }
    assert views["contract-status-this-year"].filters["stage"] == [
        "revision",
        "order",
        "delivery",
        "assembly",
        "completed",
    ]
    assert {p.stem for p in BUILTIN_VIEWS_DIR.glob("*.yml")} == BUILTINS


@pytest.mark.parametrize(
    ("period", "as_of", "bounds"),
    [
        ("this_month", date(2026, 3, 10), (date(2026, 3, 1), date(2026, 3, 31))),
        ("this_month", date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
        ("last_month", date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
        ("this_year", date(2026, 3, 10), (date(2026, 1, 1), date(2026, 12, 31))),
        ("last_year", date(2026, 3, 10), (date(2025, 1, 1), date(2025, 12, 31))),
        ("today", date(2026, 3, 10), (date(2026, 3, 10), date(2026, 3, 10))),
    ],
)
def test_relative_periods_resolve_against_as_of(
    period: str, as_of: date, bounds: tuple[date, date]
) -> None:
    assert period_bounds(period, as_of) == bounds


def test_filters_become_query_parameters() -> None:
    params = resolve_filters(
        {"signed_period": "this_year", "stage": ["order", "none"], "responsible": "rep"},
        date(2026, 3, 10),
    )
    assert params == {
        "created_from": None,
        "created_to": None,
        "signed_from": date(2026, 1, 1),
        "signed_to": date(2026, 12, 31),
        "responsible": "rep",
        "stages": ["order", "none"],
    }
    # an explicit bound from the command line replaces the view's period
    merged = merge_filters({"created_period": "this_month"}, {"created_from": date(2025, 1, 1)})
    assert merged == {"created_from": date(2025, 1, 1)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": ["project_id", "colour"]}, "unknown column(s) colour"),
        ({"filters": {"region": "sul"}}, "unknown filter 'region'"),
        ({"filters": {"stage": ["signed"]}}, "unknown stage(s) signed"),
        ({"filters": {"created_period": "next_week"}}, "unknown period 'next_week'"),
        ({"filters": {"created_from": "10/03/2026"}}, "must be a date YYYY-MM-DD"),
        (
            {"filters": {"created_period": "this_month", "created_to": "2026-03-01"}},
            "cannot be combined",
        ),
        ({"name": "Bad Name"}, "invalid view name"),
        ({"report": "telesales"}, "unknown report 'telesales'"),
        ({"owner": "me"}, "unknown key(s) ['owner']"),
    ],
)
def test_invalid_views_are_refused_with_a_clear_message(change: dict, message: str) -> None:
    data = {"name": "ok", "description": "", "filters": {}, "columns": ["project_id"], **change}
    with pytest.raises(ReportError) as err:
        validate_view(data, where="test")
    assert message in str(err.value)


def test_a_bad_file_in_the_user_folder_is_reported_by_name(views_dir: Path) -> None:
    views_dir.mkdir()
    (views_dir / "broken.yml").write_text(
        "name: broken\ncolumns: [project_id, nope]\n", encoding="utf-8"
    )
    with pytest.raises(ReportError, match="unknown column\\(s\\) nope"):
        load_view("broken")


def test_save_show_change_delete(views_dir: Path) -> None:
    runner = CliRunner()
    saved = runner.invoke(
        VIEWS_GROUP,
        [
            "save",
            "rep-open",
            "--description",
            "Projetos da Renata sem contrato",
            "--filter",
            "responsible=rep",
            "--filter",
            "stage=none",
            "--columns",
            "project_id,customer,created_date",
        ],
    )
    assert saved.exit_code == 0, saved.output
    on_disk = yaml.safe_load((views_dir / "rep-open.yml").read_text(encoding="utf-8"))
    assert on_disk == {
        "name": "rep-open",
        "description": "Projetos da Renata sem contrato",
        "report": "portfolio",
        "filters": {"responsible": "rep", "stage": ["none"]},
        "columns": ["project_id", "customer", "created_date"],
    }

    listed = runner.invoke(VIEWS_GROUP, ["list"])
    assert listed.exit_code == 0 and "rep-open" in listed.output and "user" in listed.output

    again = runner.invoke(VIEWS_GROUP, ["save", "rep-open", "--filter", "responsible=mgr"])
    assert again.exit_code == 1 and "already exists" in again.output
    changed = runner.invoke(
        VIEWS_GROUP,
        ["save", "rep-open", "--from-view", "rep-open", "--filter", "responsible=mgr", "--force"],
    )
    assert changed.exit_code == 0, changed.output
    view = load_view("rep-open")
    assert view.filters == {"responsible": "mgr", "stage": ["none"]}
    assert view.columns == ["project_id", "customer", "created_date"]
    assert view.description == "Projetos da Renata sem contrato"

    shown = runner.invoke(VIEWS_GROUP, ["show", "rep-open"])
    assert shown.exit_code == 0 and "responsible: mgr" in shown.output

    deleted = runner.invoke(VIEWS_GROUP, ["delete", "rep-open"])
    assert deleted.exit_code == 0
    assert not (views_dir / "rep-open.yml").exists()
    assert {v.name for v in list_views()} == BUILTINS


def test_bad_input_through_the_cli_is_refused(views_dir: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(VIEWS_GROUP, ["save", "x", "--columns", "project_id,margin"])
    assert bad.exit_code == 1 and "unknown column(s) margin" in bad.output
    bad = runner.invoke(VIEWS_GROUP, ["save", "x", "--filter", "colour=blue"])
    assert bad.exit_code == 1 and "unknown filter 'colour'" in bad.output
    bad = runner.invoke(VIEWS_GROUP, ["save", "x", "--filter", "responsible"])
    assert bad.exit_code == 2 and "FILTER=VALUE" in bad.output
    assert not views_dir.exists() or not any(views_dir.iterdir())


def test_builtins_can_be_shadowed_but_not_deleted(views_dir: Path) -> None:
    with pytest.raises(ReportError, match="built-in view and cannot be deleted"):
        delete_view("contracts-this-month")
    mine = View(
        name="contracts-this-month",
        description="só os meus",
        filters={"signed_period": "this_month", "responsible": "rep"},
        columns=["contract_number"],
    )
    with pytest.raises(ReportError, match="use --force"):
        save_view(mine)
    save_view(mine, force=True)
    view = load_view("contracts-this-month")
    assert (view.source, view.filters["responsible"]) == ("user", "rep")
    # deleting the user copy brings the built-in back
    delete_view("contracts-this-month")
    assert load_view("contracts-this-month").source == "builtin"


def test_unknown_view_lists_the_known_ones() -> None:
    with pytest.raises(ReportError) as err:
        load_view("nope")
    assert "no view named 'nope'" in str(err.value)
    assert "contracts-this-month" in str(err.value)
