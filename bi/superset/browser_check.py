"""Open Carteira's dashboards in a real browser, as a person would, and report what they show.

Runs in the Superset environment (selenium comes with Superset) and drives Debian's
`chromium` through Debian's `chromedriver` (both from apt; nothing is downloaded at run
time). For one login it: signs in through the login form, opens each dashboard by slug,
waits until every chart has rendered (no loading indicator left, no chart error), saves a
full-page screenshot, and reads the headline numbers of the cards. The result is one
JSON object on stdout:

    {"<slug>": {"tabs": [{"charts": N, "errors": [...], "cards": {"<title>": "<text>"},
                          "tables": {"<title>": [[cell, ...] per row]},
                          "texts": {"<title>": "<the status line>"},
                          "screenshot": "<path>"}, ...]}}

one entry per tab (one for a dashboard without tabs), each tab clicked in turn.

Used by tests/test_superset.py and to refresh the README's screenshots.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH = 1600
RENDER_TIMEOUT_SECONDS = 180
LOGIN_TIMEOUT_SECONDS = 240

# Cards (big numbers) and table rows as Superset 6 renders them.
_READ_PAGE = """
const out = {cards: {}, tables: {}, texts: {}, errors: [], charts: 0, loading: 0};
for (const holder of document.querySelectorAll('.dashboard-component-chart-holder')) {
  out.charts += 1;
  const title = (holder.querySelector('[data-test="editable-title"], .header-title')
                 || {}).textContent || '';
  if (holder.querySelector('.loading, [data-test="loading-indicator"]')) out.loading += 1;
  const error = holder.querySelector('.ant-alert-error, [data-test="error-message"], '
                                     + '.alert-danger');
  if (error) out.errors.push(title.trim() + ': ' + error.textContent.trim().slice(0, 200));
  const big = holder.querySelector('.header-line');
  if (big) out.cards[title.trim()] = big.textContent.trim();
  const text = holder.querySelector('.handlebars');  // a text chart: the status line
  if (text) out.texts[title.trim()] = text.textContent.trim();
  const rows = holder.querySelectorAll('table tbody tr');
  if (rows.length) out.tables[title.trim()] = Array.from(rows).map(
      r => Array.from(r.querySelectorAll('td')).map(td => td.textContent.trim()));
}
return out;
"""


def _driver(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},1000",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def login(driver: webdriver.Chrome, base_url: str, username: str, password: str) -> None:
    """Log in through Superset's login form, submitting again if a submit goes unanswered.

    On a busy machine the form's first submit may land before its script is ready, or the
    POST may wait for Superset's one worker; both leave the browser on /login, so the form
    is filled and submitted again, for up to LOGIN_TIMEOUT_SECONDS in all.
    """
    deadline = time.monotonic() + LOGIN_TIMEOUT_SECONDS
    driver.get(base_url + "login/")
    while True:
        form = WebDriverWait(driver, 60)
        name = form.until(conditions.presence_of_element_located((By.ID, "username")))
        name.clear()
        name.send_keys(username)
        secret = driver.find_element(By.ID, "password")
        secret.clear()
        secret.send_keys(password)
        driver.find_element(By.CSS_SELECTOR, '[data-test="login-button"]').click()
        try:
            WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)
            if _signed_in_as(driver, base_url, username):
                return
        except TimeoutException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutException(f"{username} was not signed in within {LOGIN_TIMEOUT_SECONDS}s")
        driver.get(base_url + "login/")


def _signed_in_as(driver: webdriver.Chrome, base_url: str, username: str) -> bool:
    """Whether the browser's session is `username`'s, as Superset itself says (/api/v1/me/,
    fetched by the page with the browser's own cookies).

    Leaving /login is not proof: on a starved machine a submit repeated while the first
    was still being answered has left the browser on another page with no session, and
    every dashboard then showed the login form until its render timeout.
    """
    driver.set_script_timeout(60)
    me = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => (r.ok ? r.json() : null)).then(done, () => done(null));",
        base_url + "api/v1/me/",
    )
    return bool(me) and (me.get("result") or {}).get("username") == username


def _settled(driver: webdriver.Chrome) -> dict[str, Any] | None:
    page = driver.execute_script(_READ_PAGE)
    if page["charts"] and not page["loading"]:
        return page
    return None


def _render(driver: webdriver.Chrome, shot: Path) -> dict[str, Any]:
    """Wait for every chart on screen to render, then screenshot and read the page."""
    wait = WebDriverWait(driver, RENDER_TIMEOUT_SECONDS, poll_frequency=1)
    try:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".dashboard-component-chart-holder"))
        for _ in range(2):
            # Charts render as they scroll into view: make the window as tall as the page.
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(WIDTH, max(1000, height + 100))
            page = wait.until(_settled)
            time.sleep(2)  # animations, and filters applied after a first render
        page = wait.until(_settled)
    except TimeoutException:
        page = driver.execute_script(_READ_PAGE)
        page["errors"].append(f"not rendered within {RENDER_TIMEOUT_SECONDS}s")
    driver.save_screenshot(str(shot))
    page["screenshot"] = str(shot)
    return page


def period_query(slug: str, time_range: str) -> str:
    """URL query that opens a dashboard with its first native filter (the period) set.

    Superset reads native filter values from the `native_filters` parameter (rison), as
    a shared link to a filtered dashboard carries them.
    """
    from urllib.parse import quote

    filter_id = f"NATIVE_FILTER-{slug}-0"
    value = time_range.replace("'", "!'")
    rison = (
        f"({filter_id}:(extraFormData:(time_range:'{value}'),"
        f"filterState:(value:'{value}'),id:{filter_id},ownState:()))"
    )
    return "&native_filters=" + quote(rison, safe="():,")


def open_dashboard(
    driver: webdriver.Chrome, base_url: str, slug: str, out: Path, period: str | None = None
) -> dict:
    """Every tab of one dashboard: {"tabs": [page of tab 1, ...]} (one entry without tabs)."""
    driver.set_window_size(WIDTH, 1000)
    query = period_query(slug, period) if period else ""
    driver.get(f"{base_url}superset/dashboard/{slug}/?standalone=1{query}")
    pages = [_render(driver, out / f"{slug}.png")]
    tabs = driver.find_elements(By.CSS_SELECTOR, ".dashboard-component-tabs .ant-tabs-tab")
    for number, tab in enumerate(tabs[1:], start=2):
        driver.set_window_size(WIDTH, 1000)
        driver.execute_script("window.scrollTo(0, 0)")
        tab.click()
        time.sleep(1)
        pages.append(_render(driver, out / f"{slug}-tab{number}.png"))
    return {"tabs": pages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Superset base URL, ending in /")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for screenshots")
    parser.add_argument(
        "--period",
        default=None,
        help="open the dashboards with their period filter set, e.g. '2026-02-01 : 2026-03-01'",
    )
    parser.add_argument("dashboards", nargs="+", help="dashboard slugs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="carteira-chromium-"))
    driver = _driver(profile)
    try:
        login(driver, args.url, args.username, args.password)
        result = {
            slug: open_dashboard(driver, args.url, slug, args.out, args.period)
            for slug in args.dashboards
        }
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(result, sys.stdout, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
