"""The issue's ingestion journey in a real browser against a real server (demo province): the
public-security data steward, owner of the population registry, uploads a GBK-encoded CSV
exported from a departmental system, waits for the load while the page shows its progress,
reads the quality report (counts, the bad row's reason) and downloads the problem rows."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages_in_chromium import login

pytestmark = pytest.mark.browser

# The demo's data steward of 浙江省公安厅 (330000-GA), which owns the population registry.
STEWARD = "zj-ga-steward"
# Valid resident IDs born 1985-03-16 in 西湖区 (a man, a woman), and one with a wrong check digit.
GOOD = [
    ("330106198503161014", "欧阳明轩", "M"),
    ("330106198503162025", "司马婉清", "F"),
]
BAD_ID = "330106198503161011"


def _gbk_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["公民身份号码", "姓名", "性别", "出生日期", "户籍地址", "户籍地区划", "婚姻状况"]
    )
    for resident_id, name, sex in [*GOOD, (BAD_ID, "诸葛孔亮", "M")]:
        writer.writerow(
            [
                resident_id,
                name,
                sex,
                "1985-03-16",
                "浙江省杭州市西湖区文三路90号",
                "330106",
                "married",
            ]
        )
    return out.getvalue().encode("gbk")


def test_steward_uploads_a_gbk_csv_and_reads_the_quality_report(phone: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # given the population steward, logged in, and a GBK export with Chinese labels as header
    path = tmp_path / "人口信息导出.csv"
    path.write_bytes(_gbk_csv())
    login(phone, STEWARD)
    # when they open the population registry from the resource catalog
    phone.goto("/workbench/data/")
    expect(phone.get_by_test_id("catalog")).to_contain_text("人口基础信息")
    phone.get_by_test_id("dataset-population").get_by_role("link").first.click()
    expect(phone.get_by_test_id("dataset-name")).to_have_text("人口基础信息")
    expect(phone.get_by_test_id("field-resident_id")).to_be_visible()
    screenshot(phone, "steward-1-dataset")
    # and upload the file, leaving the encoding to be detected, incrementally
    phone.get_by_test_id("upload-link").click()
    phone.locator("#id_file").set_input_files(str(path))
    phone.locator("#id_encoding").select_option("auto")
    phone.locator("input[name=mode][value=incremental]").check()
    phone.get_by_test_id("upload-submit").click()
    # then the load page follows the load until its report is ready
    expect(phone).to_have_url(re.compile(r"/workbench/data/loads/\d+/$"))
    status = phone.get_by_test_id("load-status")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=60_000)
    # and the counts are those of the file: three checked, two good, one problem
    expect(phone.get_by_test_id("rows-checked")).to_have_text("3")
    expect(phone.get_by_test_id("rows-good")).to_have_text("2")
    expect(phone.get_by_test_id("rows-problem")).to_have_text("1")
    expect(phone.get_by_test_id("rows-inserted")).to_have_text("2")
    expect(phone.get_by_test_id("problem-ratio")).to_have_text("33.33 %")
    # and the bad row is listed with the reason: its resident ID fails the check
    problems = phone.get_by_test_id("problem-rows")
    expect(problems).to_contain_text(BAD_ID)
    expect(problems).to_contain_text("resident_id")
    expect(phone.get_by_test_id("load-reasons")).to_be_visible()
    screenshot(phone, "steward-2-quality-report")
    # when they download the problem rows
    with phone.expect_download() as download_info:
        phone.get_by_test_id("problems-download").click()
    download = download_info.value
    text = download.path().read_bytes().decode("utf-8-sig")
    # then the file holds the bad row, its Chinese name intact, and none of the good ones
    assert download.suggested_filename.endswith(".csv")
    assert BAD_ID in text and "诸葛孔亮" in text
    assert GOOD[0][0] not in text and GOOD[1][0] not in text
    # and the department's problem-data list shows it too
    phone.goto("/workbench/data/problems/")
    expect(phone.get_by_test_id("problems-population")).to_contain_text(BAD_ID)
