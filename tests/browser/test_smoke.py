"""The login page in a real Chromium: styled by the locally served Bootstrap, no CSP complaints."""

from __future__ import annotations

from tests.browser.conftest import BrowserPage


def test_the_login_page_renders_styled_and_without_csp_violations(browser_page: BrowserPage) -> None:
    response = browser_page.open("/login/")

    assert response is not None
    assert response.status == 200
    page = browser_page.page
    assert page.locator("h1").inner_text() == "Log in to Garrison"
    assert page.locator("input[name=username]").is_visible()
    # Bootstrap's .btn-primary sets a coloured background; an unstyled button stays transparent or grey.
    background = page.locator("button.btn-primary").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(13, 110, 253)"
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert page.evaluate("() => document.styleSheets.length") >= 2
    assert browser_page.csp_violations == []
