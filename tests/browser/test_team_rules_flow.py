"""The team's own rules, in a real Chromium, on the demo team: the manager writes
"lenders in Maintain with no live contact in 14 days → coffee", previews and
backtests it, saves it; the demo agent sees it with its reason on Today (Bertrand
Okoye, a Maintain lender last seen 16 days ago, whom no catalogue rule flags);
switched off, it is gone from Today.

The demo team is shared by both widths: each names its rule after its width, and
switches it off at the end, so that the other width starts from the same Today.
"""

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    assert_every_control_is_labelled,
    assert_fits_the_screen,
    assert_not_reloaded,
    log_out,
    mark_page,
    needs,
    open_menu,
)

DEMO_MANAGER = "manager@demo.partnerplan.test"
DEMO_AGENT = "agent@demo.partnerplan.test"
DEMO_PASSWORD = "partnerplan-demo"
LENDER = "Bertrand Okoye"


def agents_card(page):
    """Today's card for the demo lender raised by the team's rule (showing all of Today)."""
    page.goto("/today?all=1")
    return page.locator("li.recommendation").filter(has_text=f"{LENDER} is a lender in Maintain")


@needs("rule_settings.new_team_rule", "rule_settings.switch_team_rule")
def test_a_manager_writes_a_rule_the_agent_sees_it_until_it_is_switched_off(page, user):
    name = f"Lenders in Maintain: coffee ({page.viewport_name})"
    user.log_in(DEMO_MANAGER, DEMO_PASSWORD)
    # Nobody else's rule raises a coffee for the lender today.
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
    rules = page.locator("#team-rules")
    expect(rules.get_by_role("heading", name="The team's own rules")).to_be_visible()
    rules.get_by_role("link", name="Add a rule").click()
    expect(page.get_by_role("heading", name="A rule of the team's own", level=1)).to_be_visible()
    assert_every_control_is_labelled(page)
    assert_fits_the_screen(page)

    # Typed, as a person types it; the selects chosen from the keyboard.
    page.get_by_label("Name").press_sequentially(name)
    for row, (fact, op, value) in enumerate(
        [
            ("Profession", "is", "lender"),
            ("Tier", "is", "maintain"),
            ("Days since the last live contact", "is at least", "14"),
        ]
    ):
        condition = page.locator(f"#condition-{row}")
        condition.get_by_label("Fact").select_option(label=fact)
        condition.get_by_label("Is", exact=True).select_option(label=op)
        condition.get_by_label("Value").press_sequentially(value)
    page.get_by_label("Action", exact=True).select_option("coffee")
    page.get_by_label("Reason").press_sequentially(
        "{name} is a lender in {tier}; last live contact {live_contact_on}"
    )

    # Preview and backtest: the editor is swapped in place with the numbers.
    mark_page(page)
    page.get_by_role("button", name="Preview and backtest").click()
    preview = page.locator("#team-rule-preview")
    expect(preview.locator("#preview-today")).to_have_text("Fires for 1 partner today.")
    backtest = preview.locator("#backtest")
    # Small teams are backtested within the request; a large one by a job, polled by htmx.
    expect(backtest).to_contain_text(
        re.compile(r"Over the last 90 days it would have been raised for [1-9]\d* partners?"),
        timeout=20_000,
    )
    assert_not_reloaded(page)
    # The values typed are still there, and nothing is saved yet.
    expect(page.get_by_label("Name")).to_have_value(name)
    assert_every_control_is_labelled(page)
    assert_fits_the_screen(page)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/rules/?#team-rules$"))
    expect(page.get_by_text(f"Rule “{name}” saved")).to_be_visible()
    row = page.locator("#team-rules tr").filter(has_text=name)
    expect(row.locator("td[data-label=State]")).to_have_text("On")
    log_out(page)

    # The agent's Today: the lender, with the rule's name and its reason.
    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/today$"))
    card = agents_card(page)
    expect(card).to_have_count(1)
    expect(card.locator(".call-what")).to_contain_text(name)
    expect(card.locator(".reason")).to_have_text(
        re.compile(rf"^{LENDER} is a lender in Maintain; last live contact .+ \(16 days ago\)\.$")
    )
    log_out(page)

    # Switched off, the recommendation closes: the agent's Today no longer has it.
    user.log_in(DEMO_MANAGER, DEMO_PASSWORD)
    page.goto("/rules/#team-rules")
    row = page.locator("#team-rules tr").filter(has_text=name)
    row.get_by_role("button", name=f"Switch off {name}").click()
    expect(page.get_by_text(f"Rule “{name}” is off.")).to_be_visible()
    expect(row.locator("td[data-label=State]")).to_have_text("Off")
    log_out(page)

    user.log_in(DEMO_AGENT, DEMO_PASSWORD)
    expect(agents_card(page)).to_have_count(0)
