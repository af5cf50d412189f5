"""Drive the system's headless Chromium with Selenium, offline, for the report tests.

Never downloads a browser or driver: it uses Debian's ``chromium`` and ``chromium-driver``
(CI installs them, see ``.ci/run``). When they are missing, :func:`find_chromium` raises
:class:`BrowserMissing` with the command that installs them, so the browser tests fail
; the report tests skip with that command, or fail in CI (PLANMINE_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BROWSER_NAMES = ("chromium", "chromium-browser")
DRIVER_NAMES = ("chromedriver",)
INSTALL_HINT = ("apt-get update && apt-get install -y chromium chromium-driver "
                "(and `pip install -e .[dev]` for selenium)")

#: Headless, no network side traffic, no profile state between runs.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
)


class BrowserMissing(RuntimeError):
    """Chromium, its driver or selenium is not installed."""


def find_chromium() -> tuple[str, str]:
    """Paths of the Chromium binary and chromedriver; raise :class:`BrowserMissing` if absent."""
    browser = next((p for n in BROWSER_NAMES if (p := shutil.which(n))), None)
    driver = next((p for n in DRIVER_NAMES if (p := shutil.which(n))), None)
    if browser is None or driver is None:
        missing = [n for n, p in (("chromium", browser), ("chromedriver", driver)) if p is None]
        raise BrowserMissing(f"{' and '.join(missing)} not found on PATH; install with: {INSTALL_HINT}")
    try:
        import selenium  # noqa: F401
    except ImportError as exc:
        raise BrowserMissing(f"selenium is not installed; {INSTALL_HINT}") from exc
    return browser, driver


@contextmanager
def chromium(user_data_dir: Path, width: int = 1280, height: int = 1200) -> Iterator[Any]:
    """A headless Chromium WebDriver that records the browser console; quits on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[dict[str, Any]]:
    """Browser console entries at level SEVERE (errors, failed loads, CSP violations)."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def count_visible(driver: Any, css: str) -> int:
    """How many elements matching ``css`` are displayed (not hidden, not in a hidden parent)."""
    return int(driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".filter(el => el.offsetParent !== null).length;", css))


def screenshot(driver: Any, path: Path, full_page: bool = True, max_height: int = 6000) -> Path:
    """Save a PNG of the page (the whole page, up to ``max_height`` CSS pixels, if asked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not full_page:
        driver.save_screenshot(str(path))
        return path
    width = int(driver.execute_script("return document.documentElement.clientWidth;"))
    height = int(driver.execute_script("return document.documentElement.scrollHeight;"))
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1},
    })
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
