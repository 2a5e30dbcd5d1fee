"""Steps and checks the browser tests share: marking a page, what a page must
be (not reloaded, on the screen, labelled, focus visible), tabbing, and
which features the served app has."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The two widths every browser test runs at.
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PROVOKED_4XX = re.compile(
    r"the server responded with a status of 4|^Response Status Error Code 4\d\d from "
)
# What the browser (and htmx) report of a server they cannot reach: one a test stopped.
UNREACHABLE = re.compile(
    r"net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|FAILED)|^htmx:(afterRequest|sendError), "
)


def open_menu(page) -> None:
    """Open the main menu's "More" (the account's links and Log out are there)."""
    more = page.get_by_role("navigation", name="Main").locator("details.nav-more")
    if not more.evaluate("details => details.open"):
        more.locator("summary").click()


def log_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Log out").click()


def mark_page(page) -> None:
    """Tag the loaded document; `assert_not_reloaded` fails if it was replaced."""
    # htmx binds its handlers once the document has loaded: wait for it, as a person would.
    page.wait_for_load_state("load")
    page.evaluate("document.documentElement.dataset.noReload = 'yes'")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("document.documentElement.dataset.noReload") == "yes", (
        "the page was reloaded: htmx should have swapped a fragment in place"
    )


def assert_fits_the_screen(page) -> None:
    """Nothing scrolls sideways, with every <details> opened (a person can open them)."""
    page.evaluate("document.querySelectorAll('details').forEach(details => details.open = true)")
    width, viewport, wide = page.evaluate(
        """() => [
            document.documentElement.scrollWidth,
            window.innerWidth,
            [...document.querySelectorAll("main *")]
                .filter(element => element.getBoundingClientRect().right > window.innerWidth)
                .slice(-3)
                .map(element => element.outerHTML.slice(0, 120)),
        ]"""
    )
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window: {wide}"


def assert_every_control_is_labelled(page) -> None:
    """Each field a person can use is found by its label (the way a screen reader names it)."""
    controls = page.locator("main").locator(
        "input:not([type=hidden]):not([type=submit]), select, textarea"
    )
    assert controls.count(), "no fields on the page"
    for index in range(controls.count()):
        control = controls.nth(index)
        label = control.evaluate("el => [...el.labels].map(l => l.textContent.trim()).join(' ')")
        assert label, f"no label: {control.evaluate('el => el.outerHTML')}"
        found = page.get_by_label(label, exact=True)
        handle = control.element_handle()
        assert any(
            found.nth(each).evaluate("(el, control) => el === control", handle)
            for each in range(found.count())
        ), f"get_by_label({label!r}) does not find {control.evaluate('el => el.outerHTML')}"


def tab_to(page, target, limit: int = 60) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert_focus_is_visible(page)
            return
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def assert_focus_is_visible(page) -> None:
    """The focused element shows it: :focus-visible holds and draws an outline."""
    focused, outline = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return [el.matches(":focus-visible") && el.outerHTML.slice(0, 80),
                    style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0];
        }"""
    )
    assert focused and outline, f"no visible focus on {focused or 'the focused element'}"


def _endpoints() -> set[str]:
    from config import TestConfig
    from webapp import create_app

    return {rule.endpoint for rule in create_app(TestConfig).url_map.iter_rules()}


ENDPOINTS = _endpoints()


def needs(*endpoints: str):
    """Skip a flow until the feature it drives is on this branch (names the endpoint)."""
    missing = [endpoint for endpoint in endpoints if endpoint not in ENDPOINTS]
    return pytest.mark.skipif(
        bool(missing), reason=f"the feature is not merged yet (no endpoint {', '.join(missing)})"
    )


def open_log_form(page, summary: str):
    """Open a log form's <details> (the interaction form starts open)."""
    details = page.locator("details", has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    return details
