"""The personal data vault (个人数据宝) in a real browser on a phone-sized screen, against a real
server seeded with the demo province: a citizen applies for an instant item (its prefill reads
her population record), opens her vault, finds that read on the accesses page with its purpose
and case, authorises a bank through the consent form, and revokes the consent.
The bank is the demo's third party (浙江农商联合银行, registered by the demo seed through
`client_create`)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages_in_chromium import featured, login

pytestmark = pytest.mark.browser

BANK = "浙江农商联合银行"


def apply_for_an_instant_item(page: Page) -> str:
    """王芳 (82, household in 余杭区) applies for 高龄津贴申领: approved at once. Returns the
    case number."""
    page.goto("/guide/?q=高龄津贴申领")
    page.get_by_role("link", name="高龄津贴申领").first.click()
    page.get_by_role("link", name="余杭区").click()
    page.get_by_test_id("apply").click()
    page.get_by_test_id("start-application").click()
    expect(page.get_by_test_id("prefilled")).to_contain_text("王芳")
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("instant-decision")).to_be_visible()
    return page.get_by_test_id("case-number").inner_text().strip()


def test_citizen_sees_the_prefill_access_and_grants_then_revokes_a_consent(
    phone: Page,
) -> None:  # type: ignore[no-untyped-def]
    # given the demo's bank, registered on the platform as a third party,
    # and 王芳, who applied for an instant item: its prefill read her population record
    login(phone, featured("citizen", 2))
    number = apply_for_an_instant_item(phone)

    # when she opens her vault from the menu
    phone.locator("nav.main-nav a[href='/my/data/']").click()
    # then her records are there in clear, with the owning department
    vault = phone.get_by_test_id("vault-dataset-population")
    expect(vault).to_contain_text("王芳")
    expect(vault).to_contain_text("浙江省公安厅")
    expect(vault).to_contain_text("330125194410030243")
    screenshot(phone, "vault-1-my-data")

    # when she opens the accesses page
    phone.locator("nav.vault-tabs a[href='/my/data/accesses/']").click()
    # then the case's prefill is listed: its purpose names the case, which links to it
    accesses = phone.get_by_test_id("accesses")
    expect(accesses).to_contain_text(f"办件 {number}: 高龄津贴申领")
    expect(accesses).to_contain_text("人口基础信息")
    expect(accesses.get_by_role("link", name=number).first).to_be_visible()
    screenshot(phone, "vault-2-accesses")

    # when she authorises the bank to read her name and household address
    phone.locator("nav.vault-tabs a[href='/my/data/consents/']").click()
    form = phone.get_by_test_id("consent-form")
    form.locator("#id_client").select_option(label=BANK)
    form.locator("#id_dataset").select_option("population")
    # the checkboxes follow the chosen dataset (HTMX)
    expect(form.get_by_label("户籍地址")).to_be_visible()
    form.get_by_label("姓名").check()
    form.get_by_label("户籍地址").check()
    form.locator("#id_purpose").fill("个人住房贷款审批")
    form.locator("#id_valid_until").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    screenshot(phone, "vault-3-consent-form")
    form.get_by_test_id("consent-submit").click()
    # then the receipt shows it, active, with the hash of its audit entry
    receipt = phone.get_by_test_id("consent-receipt")
    expect(receipt).to_contain_text(BANK)
    expect(receipt).to_contain_text("个人住房贷款审批")
    expect(phone.get_by_test_id("grant-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    receipt_number = phone.get_by_test_id("receipt-number").inner_text().strip()
    screenshot(phone, "vault-4-receipt")

    # when she revokes it from her list of consents, and confirms
    phone.locator("nav.breadcrumb a[href='/my/data/consents/']").click()
    consent = phone.get_by_test_id(f"consent-{receipt_number}")
    expect(consent.locator(".consent-active")).to_be_visible()
    consent.get_by_test_id("revoke").click()
    phone.get_by_test_id("confirm-revoke").click()
    # then the receipt shows the revocation, and the list shows it revoked without a button
    expect(phone.get_by_test_id("revocation")).to_be_visible()
    expect(phone.get_by_test_id("revoke-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    phone.locator("nav.breadcrumb a[href='/my/data/consents/']").click()
    consent = phone.get_by_test_id(f"consent-{receipt_number}")
    expect(consent.locator(".consent-revoked")).to_be_visible()
    expect(consent.get_by_test_id("revoke")).to_have_count(0)
    screenshot(phone, "vault-5-revoked")
