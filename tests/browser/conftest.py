"""Browser tests against a real server: `onetrip run` (migrate, seed the demo province,
outbox worker, granian) in a subprocess on a free port, on a SQLite file in a temporary
folder, driven by Playwright through Debian's chromium.

Nothing here touches the test database: everything goes through HTTP, as a user would."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ONETRIP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
SCREENSHOTS = Path(os.environ.get("ONETRIP_SCREENSHOTS", "/tmp/onetrip-screenshots"))
START_TIMEOUT = 300  # seconds: migrate + seed of the demo province + server start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _onetrip_command() -> list[str]:
    script = Path(sys.executable).with_name("onetrip")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from onetrip.cli import main; main()"]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited ({process.returncode}):\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer in {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real onetrip server seeded with the demo province."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium fonts-wqy-microhei)")
    var = tmp_path_factory.mktemp("onetrip-var")
    port = _free_port()
    env = {
        **os.environ,
        "ONETRIP_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'onetrip.sqlite3'}",
        "ONETRIP_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = var / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_onetrip_command(), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: granian's workers stop with it
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", process, log)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def browser(server: str):  # type: ignore[no-untyped-def]
    """Chromium for one test module (module scope: Playwright's event loop must not outlive
    the module, or Django code of later test modules would believe it runs async)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, server):  # type: ignore[no-untyped-def]
    """A fresh phone-sized browser tab (its own cookies)."""
    context = browser.new_context(
        viewport=PHONE,
        user_agent=PHONE_UA,
        is_mobile=True,
        has_touch=True,
        base_url=server,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def new_phone(browser, server):  # type: ignore[no-untyped-def]
    """A factory of further independent phone tabs (e.g. a second user)."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = browser.new_context(
            viewport=PHONE, user_agent=PHONE_UA, is_mobile=True, has_touch=True, base_url=server
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
