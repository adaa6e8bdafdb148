"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

The browser is the system one at /usr/bin/chromium (override with GARRISON_TEST_CHROMIUM);
nothing is downloaded. Without it the browser tests are skipped with that reason, while
`make browser` (GARRISON_REQUIRE_BROWSER=1) fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("GARRISON_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API keeps an event loop running in this thread; the ORM calls made by
# the test itself (fixtures creating people) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    reason = f"no Chromium at {CHROMIUM}; apt-get install chromium"
    if not CHROMIUM.exists() and os.environ.get("GARRISON_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"browser tests required but {reason}")
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A fresh browser tab on the live server, collecting what the console reported."""

    page: Any
    base_url: str
    console: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        return self.page.goto(f"{self.base_url}{path}")

    @property
    def csp_violations(self) -> list[str]:
        return [message for message in self.console if "Content Security Policy" in message]

    @property
    def errors(self) -> list[str]:
        """Uncaught script errors and console errors (failed loads, CSP refusals included)."""
        return [message for message in self.console if message.startswith(("pageerror:", "error:"))]


@pytest.fixture
def browser_page(chromium: Any, live_server: Any, transactional_db: Any) -> Iterator[BrowserPage]:
    context = chromium.new_context(locale="en-GB", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = BrowserPage(page=page, base_url=live_server.url)
    page.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: tab.console.append(f"pageerror: {error}"))
    yield tab
    context.close()


@pytest.fixture
def log_in(browser_page: BrowserPage, live_server: Any) -> Callable[..., None]:
    """Give a browser context the session of `person`, as if they had logged in (MFA included).

    Tests of the login pages themselves go through the forms; the others start logged in.
    """
    from django.conf import settings
    from django.test import Client

    def log_in(person: Any, context: Any = None) -> None:
        client = Client()
        client.force_login(person, backend="garrison.core.identity.PersonBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        target = context if context is not None else browser_page.page.context
        target.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    return log_in
