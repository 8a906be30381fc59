"""Resident ID and USCC: valid, wrong checksum, impossible date, unknown area code."""

import pytest
from django.utils import translation
from stdnum.cn import ric, uscc

from onetrip.accounts import services
from onetrip.accounts.identifiers import mask_resident_id, validate_resident_id, validate_uscc
from onetrip.core.errors import ValidationFailed


@pytest.fixture(autouse=True)
def _english():
    # The messages are asserted in English; the Chinese ones come from the same msgids.
    with translation.override("en"):
        yield


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_valid_resident_id_is_accepted_with_lower_case_x():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_wrong_check_digit_is_named():
    with pytest.raises(ValidationFailed, match="check digit"):
        validate_resident_id("110105194912310021")


def test_impossible_birth_date_is_named():
    with pytest.raises(ValidationFailed, match="19490231"):
        validate_resident_id(_with_check("11010519490231002"))


def test_future_birth_date_is_refused():
    with pytest.raises(ValidationFailed, match="impossible"):
        validate_resident_id(_with_check("11010521990101002"))


def test_unknown_area_code_is_named():
    with pytest.raises(ValidationFailed, match="990000"):
        validate_resident_id(_with_check("99000019800101002"))


def test_area_code_not_in_use_in_birth_year():
    # 330108 (滨江区) was created in 1996
    with pytest.raises(ValidationFailed, match="not in use in 1980"):
        validate_resident_id(_with_check("33010819800101002"))


def test_wrong_length_is_named():
    with pytest.raises(ValidationFailed, match="18 characters"):
        validate_resident_id("1101051949123100")


def test_uscc_valid_and_wrong_check_character():
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    with pytest.raises(ValidationFailed, match="check character"):
        validate_uscc("91110000600037341M")
    with pytest.raises(ValidationFailed, match="18 characters"):
        validate_uscc("9111000060003734")


def test_uscc_with_bad_component_is_refused():
    body = "9I1100006000373"  # 'I' is not in the USCC alphabet
    with pytest.raises(ValidationFailed):
        validate_uscc(body + "41L")
    assert uscc.is_valid("91110000600037341L")


def test_messages_are_translated_to_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        validate_resident_id("110105194912310021")
    assert "校验" in exc.value.detail


def test_mask_keeps_first_six_and_last_four():
    assert mask_resident_id("11010519491231002X") == "110105********002X"


@pytest.mark.django_db
def test_registration_refuses_wrong_id_and_duplicates():
    with pytest.raises(ValidationFailed) as exc:
        services.citizen_register(resident_id="110105194912310021", name="错号")
    assert exc.value.field == "id_number"
    services.citizen_register(resident_id="11010519491231002X", name="张三", password="x-123456")
    with pytest.raises(ValidationFailed, match="already exists"):
        services.citizen_register(resident_id="11010519491231002X", name="张三")


def test_a_district_created_lately_is_accepted_not_a_crash():
    # given an ID from 临平区 (330113, created 2021), which stdnum lists without county data
    number = _with_check("33011320220301002")
    # when it is validated / then it is accepted rather than raising KeyError
    assert validate_resident_id(number) == number
