"""The three journeys the issue names, in a real browser on a phone-sized screen against a
real server seeded with the demo province:

1. a citizen logs in, applies for an instant item and sees the e-licence with its code;
2. a window clerk takes in and accepts a normal case, and an approver processes it through
   its steps to a decision, seeing the history (收办分离: intake and processing are separate);
3. pages rendered in English."""

import re

import pytest
from playwright.sync_api import Page, expect

from onetrip.core.seeding.demo import DEMO_PASSWORD, demo_logins
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page: Page, username: str, *, prefix: str = "") -> None:
    page.goto(f"{prefix}/login/")
    page.locator("#id_id_number").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def featured(role: str, index: int = 0) -> str:
    return [login for login in demo_logins() if login.role == role][index].username


def test_citizen_applies_for_an_instant_item_and_sees_the_licence(phone: Page, new_phone) -> None:  # type: ignore[no-untyped-def]
    # given 张三, 66, household in 西湖区, logged in with the resident ID
    login(phone, featured("citizen"))
    expect(phone).to_have_url(re.compile(r"/my/cases/$"))
    # when he finds 老年人优待证办理 in the guide and picks 西湖区
    phone.goto("/guide/?q=老年人优待证")
    phone.get_by_role("link", name="老年人优待证办理").click()
    phone.get_by_role("link", name="西湖区").click()
    expect(phone.get_by_test_id("instant-badge")).to_be_visible()
    expect(phone.get_by_test_id("guide-materials")).to_contain_text("已为您自动获取")
    screenshot(phone, "1-guide-item")
    phone.get_by_test_id("apply").click()
    # and starts: the form comes prefilled from the registries, with nothing to upload
    phone.get_by_test_id("start-application").click()
    expect(phone.get_by_test_id("prefilled")).to_contain_text("张三")
    expect(phone.get_by_test_id("prefilled")).to_contain_text("已为您自动获取")
    expect(phone.locator("input[type=file]")).to_have_count(0)
    screenshot(phone, "1-prefilled-form")
    phone.get_by_test_id("submit-application").click()
    # then the instant decision and the e-licence with number and verification code show
    expect(phone.get_by_test_id("instant-decision")).to_contain_text("智能秒办")
    expect(phone.get_by_test_id("case-state")).to_have_text("已送达")
    code = phone.get_by_test_id("verification-code").inner_text().strip()
    number = phone.get_by_test_id("licence-number").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{16}", code), code
    assert number
    screenshot(phone, "1-instant-licence")
    # and the licence is in his wallet, and anyone can verify it by the code
    phone.get_by_role("link", name="我的证照").click()
    expect(phone.locator("main")).to_contain_text(code)
    stranger = new_phone()
    stranger.goto("/verify/")
    stranger.locator("#id_code").fill(code.lower())
    stranger.get_by_role("button", name="核验").click()
    expect(stranger.get_by_test_id("verify-result")).to_contain_text("核验通过")
    expect(stranger.get_by_test_id("verify-result")).to_contain_text(number)
    expect(stranger.get_by_test_id("verify-result")).not_to_contain_text(featured("citizen"))


def test_clerk_accepts_and_approver_processes_a_case_to_a_decision(
    phone: Page, new_phone, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # given the 西湖区 window clerk taking in 食品经营许可 for an enterprise at the window
    login(phone, featured("window_clerk"))
    phone.goto("/workbench/intake/")
    phone.locator("#id_applicant_id").fill(featured("enterprise"))
    phone.locator("#id_implementation").select_option(label="XK00303001 食品经营许可")
    uploads = phone.locator("#intake-materials input[type=file]")
    expect(uploads).to_have_count(2)  # everything else is fetched, the business licence too
    for index in range(2):
        path = tmp_path / f"material-{index}.pdf"
        path.write_bytes(PDF)
        uploads.nth(index).set_input_files(str(path))
    screenshot(phone, "2-intake")
    phone.get_by_test_id("intake-submit").click()
    expect(phone.get_by_test_id("case-state")).to_have_text("已提交")
    number = phone.get_by_test_id("case-number").inner_text().strip()
    # when the clerk accepts it (受理)
    accept = phone.get_by_test_id("action-accept")
    accept.locator("textarea").fill("材料齐全，予以受理")
    accept.locator("button[type=submit]").click()
    expect(phone.get_by_test_id("case-state")).to_have_text("已受理，办理中")
    # and the department's approver finds it in the queue, reviews and approves it
    approver = new_phone()
    login(approver, featured("approver"))
    expect(approver).to_have_url(re.compile(r"/workbench/$"))
    screenshot(approver, "2-queue")
    approver.locator("#id_q").fill(number)
    approver.locator("#id_q").press("Enter")
    approver.get_by_role("link", name=number).click()
    expect(approver.locator("main")).to_contain_text("当前环节: 审查")
    step = approver.get_by_test_id("action-complete_step")
    step.locator("textarea").fill("经营场所与设备符合要求")
    step.locator("button[type=submit]").click()
    expect(approver.locator("main")).to_contain_text("当前环节: 审批")
    approve = approver.get_by_test_id("action-approve")
    approve.locator("textarea").first.fill("符合食品经营许可条件，准予许可")
    approve.locator("button[type=submit]").click()
    # then the decision stands, the licence is issued, and the history shows each step
    expect(approver.get_by_test_id("case-state")).to_have_text("已批准")
    history = approver.get_by_test_id("history")
    for line in ("开始申请", "已提交", "受理", "审查完成", "批准", "材料齐全，予以受理"):
        expect(history).to_contain_text(line)
    expect(approver.get_by_test_id("verification-code")).to_be_visible()
    screenshot(approver, "2-approved-case")


def test_pages_render_in_english(phone: Page) -> None:  # type: ignore[no-untyped-def]
    # given the English guide
    phone.goto("/en/guide/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Service guide")
    # when an item is opened, its English name and the English guide show
    phone.get_by_role("link", name="Certificate of no criminal record").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Certificate of no criminal record")
    expect(phone.get_by_test_id("guide-materials")).to_contain_text("Fetched for you")
    expect(phone.locator("main")).to_contain_text("working day")
    assert "已为您自动获取" not in phone.content()
    screenshot(phone, "3-english-item")
    # and logging in keeps English: the citizen's cases and the header speak English
    login(phone, featured("citizen", 1), prefix="/en")
    expect(phone).to_have_url(re.compile(r"/en/my/cases/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(phone.get_by_role("link", name="My e-licences")).to_be_visible()
    # and the language switch goes back to Chinese on the same page
    phone.get_by_role("link", name="中文").click()
    expect(phone).to_have_url(re.compile(r"/my/cases/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的办件")
