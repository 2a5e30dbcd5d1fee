"""Today as a call list, at a phone's width and a desk's: the demo agent works
down the list with one-tap outcomes, never leaving Today, and undoes one."""

from playwright.sync_api import expect

from tests.browser.helpers import assert_not_reloaded, mark_page
from tests.browser.test_demo_flow import DEMO_AGENT, DEMO_PASSWORD

# Rules a conversation answers (webapp/recommendations/outcomes.py SATISFIES).
ANSWERED_BY_TALKING = (
    "return_call",
    "thank_you",
    "personal_date",
    "commitment_due",
    "coffee",
    "keep_warm",
)


def counts(page) -> tuple[int, int, int]:
    """(the menu's badge, the sum of the action sections' badges, the cards shown)."""
    return page.evaluate(
        """() => {
            const list = document.getElementById("today-recommendations");
            const sections = [...list.querySelectorAll("section")].filter(
                s => s.querySelector("form[action$='/outcome']"));
            const badges = sections.map(s => +s.querySelector("h2 .badge").textContent);
            const cards = sections.map(s => s.querySelectorAll("li.recommendation").length);
            return [+document.getElementById("today-count").textContent,
                    badges.reduce((a, b) => a + b, 0), cards.reduce((a, b) => a + b, 0)];
        }"""
    )


def assert_counts_agree(page) -> int:
    menu, sections, _ = counts(page)
    assert menu == sections, f"the menu says {menu}, the sections {sections}"
    return menu


def test_the_demo_agent_works_down_today_in_place(page, user):
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    expect(page.locator("#today-recommendations")).to_be_visible()
    if page.viewport_name == "phone":
        first_screen = page.evaluate(
            """() => [...document.querySelectorAll("#today-recommendations li.recommendation")]
                .filter(li => li.getBoundingClientRect().top < window.innerHeight).length"""
        )
        layout = page.evaluate(
            """() => [...document.querySelectorAll(
                    "header, h1, #today-recommendations h2, #today-recommendations li")]
                .slice(0, 8).map(e => e.tagName + " " + Math.round(e.getBoundingClientRect().top)
                                      + "+" + Math.round(e.getBoundingClientRect().height))"""
        )
        assert first_screen >= 4, f"{first_screen} cards on the first phone screen: {layout}"
    # The menu is one line: no taller than its tallest item.
    nav_height, item_height = page.evaluate(
        """() => {
            const nav = document.querySelector("nav.main-nav");
            const items = [...nav.querySelectorAll(":scope > ul > li, :scope > details > summary")];
            return [nav.getBoundingClientRect().height,
                    Math.max(...items.map(i => i.getBoundingClientRect().height))];
        }"""
    )
    assert nav_height <= item_height + 4, f"the menu is {nav_height} px tall: it wraps"

    mark_page(page)
    total = assert_counts_agree(page)
    cleared = []
    for _ in range(3):
        card = page.locator(
            ", ".join(f"li.recommendation[data-rule='{rule}']" for rule in ANSWERED_BY_TALKING)
        ).first
        card_id = card.get_attribute("id")
        card.get_by_role("button", name="Called — talked").click()
        expect(page.locator(f"#{card_id}")).to_have_count(0)
        expect(page.locator(".today-notice")).to_contain_text("done")
        # Focus is not lost with the card: it is on what was said, the Undo next.
        expect(page.locator(".today-notice")).to_be_focused()
        now = assert_counts_agree(page)
        assert now < total
        total = now
        cleared.append(card_id)
    assert_not_reloaded(page)

    # Undo the last one: it comes back, and the counts with it.
    page.locator(".today-notice").get_by_role("button", name="Undo").click()
    expect(page.locator(f"#{cleared[-1]}")).to_be_visible()
    expect(page.locator(".today-notice")).to_contain_text("Undone")
    assert assert_counts_agree(page) > total
    assert_not_reloaded(page)

    # A no-answer leaves its card open, showing the attempt.
    card = page.locator(f"#{cleared[-1]}")
    card.get_by_role("button", name="No answer").click()
    expect(page.locator(f"#{cleared[-1]} .call-attempt")).to_contain_text("No answer at")
    # The Undo is offered for a few seconds only.
    expect(page.locator(".today-notice .today-undo")).to_have_count(0, timeout=12_000)
    assert_counts_agree(page)
    assert_not_reloaded(page)


def test_a_managers_menu_is_one_line_with_the_review_count(page, user):
    user.log_in_as("manager")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Reviews")).to_be_visible()
    expect(nav.locator("#review-count")).to_be_visible()
    nav_height, item_height, width = page.evaluate(
        """() => {
            const nav = document.querySelector("nav.main-nav");
            const items = [...nav.querySelectorAll(":scope > ul > li, :scope > details > summary")];
            return [nav.getBoundingClientRect().height,
                    Math.max(...items.map(i => i.getBoundingClientRect().height)),
                    document.documentElement.scrollWidth];
        }"""
    )
    assert nav_height <= item_height + 4, f"the menu is {nav_height} px tall: it wraps"
    assert width <= page.viewport_size["width"], "the menu pushes the page sideways"


def call_and_come_back(page, link) -> None:
    """Tap a `tel:` link and return from the call: on a phone the page is hidden
    while the call lasts (the test browser has no phone app to hand over to)."""
    page.evaluate(
        """() => document.addEventListener("click", event => {
            if (event.target.closest("a[href^='tel:']")) { event.preventDefault(); }
        })"""
    )
    link.click()
    page.evaluate(
        """() => ["hidden", "visible"].forEach(state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        })"""
    )


def test_back_from_a_call_today_asks_how_it_went(page, user):
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    card = page.locator(
        ", ".join(
            f"li.recommendation[data-rule='{rule}']:has(a[href^='tel:'])"
            for rule in ANSWERED_BY_TALKING
        )
    ).first
    card_id = card.get_attribute("id")
    ask = page.locator(f"#call-ask-{card_id.removeprefix('recommendation-')}")
    expect(ask).to_be_hidden()

    call_and_come_back(page, card.locator("a[href^='tel:']"))

    expect(ask).to_be_visible()
    expect(ask).to_have_text("How did the call go?")
    talked = card.get_by_role("button", name="Called — talked")
    expect(talked).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#{card_id}")).to_have_count(0)
    assert_counts_agree(page)


def test_back_from_a_call_on_the_partner_page_the_log_form_asks(page, user):
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    page.locator("li.recommendation:has(a[href^='tel:']) a.call-partner").first.click()
    expect(page.locator("#call-ask-log")).to_be_hidden()

    call_and_come_back(page, page.locator(".partner-head a[href^='tel:']"))

    expect(page.locator("#call-ask-log")).to_be_visible()
    form = page.locator("#log-interaction")
    expect(form.get_by_label("What", exact=True)).to_have_value("call")
    expect(form.get_by_label("Outcome")).to_be_focused()
    # Nothing was asked again on the next visit.
    page.reload()
    expect(page.locator("#call-ask-log")).to_be_hidden()


def test_a_snooze_on_the_partner_page_is_undone_in_place(page, user):
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    page.locator("li.recommendation a.call-partner").first.click()
    panel = page.locator("#panel-recommendations")
    item = panel.locator("li.recommendation").first
    item_id = item.get_attribute("id")
    mark_page(page)
    item.get_by_role("button", name="Snooze a week").click()
    notice = panel.locator(f"#{item_id}.today-notice")
    expect(notice).to_contain_text("Snoozed until")
    expect(notice).to_be_focused()
    page.keyboard.press("Tab")
    expect(notice.get_by_role("button", name="Undo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel.locator(f"#{item_id}.recommendation")).to_be_visible()
    expect(panel.locator(".today-notice")).to_contain_text("Undone")
    assert_not_reloaded(page)
