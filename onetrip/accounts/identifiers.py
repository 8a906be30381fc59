"""Resident ID (居民身份证号码, GB 11643) and unified social credit code (统一社会信用代码,
GB 32100) checks with python-stdnum, each failure told in words the holder understands."""

import datetime as dt

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from onetrip.core.errors import ValidationFailed


def validate_resident_id(value: str, *, field: str = "id_number") -> str:
    """Return the compact 18-character resident ID or raise ValidationFailed saying what is
    wrong: length or format, check digit, birth date, or area code."""
    number = ric.compact(value or "")
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValidationFailed(
            _("A resident ID has 18 characters: 17 digits and a digit or X."), field=field
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationFailed(
            _("The check digit of this resident ID is wrong; please check the number."), field=field
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("The birth date in this resident ID (%(date)s) does not exist.")
            % {"date": number[6:14]},
            field=field,
        ) from None
    if birth > dt.date.today() or birth.year < 1880:
        raise ValidationFailed(
            _("The birth date in this resident ID (%(date)s) is impossible.")
            % {"date": number[6:14]},
            field=field,
        )
    if not numdb.get("cn/loc").info(number[:6]):
        raise ValidationFailed(
            _("The area code %(code)s in this resident ID is not a known administrative area.")
            % {"code": number[:6]},
            field=field,
        )
    if not _area_known(number):
        raise ValidationFailed(
            _("The area code %(code)s in this resident ID was not in use in %(year)d.")
            % {"code": number[:6], "year": birth.year},
            field=field,
        )
    return number


def _area_known(number: str) -> bool:
    try:
        ric.get_birth_place(number)
    except StdnumError:
        return False
    except KeyError:
        # Districts created lately (330113 临平区, 330114 钱塘区, 2021) are listed without
        # county data, so stdnum cannot say in which years they were used: accept them.
        return True
    return True


def validate_uscc(value: str, *, field: str = "id_number") -> str:
    """Return the compact 18-character USCC or raise ValidationFailed saying what is wrong."""
    number = uscc.compact(value or "")
    if len(number) != 18:
        raise ValidationFailed(_("A unified social credit code has 18 characters."), field=field)
    try:
        return uscc.validate(number)
    except StdnumError as exc:
        if "checksum" in type(exc).__name__.lower():
            raise ValidationFailed(
                _("The check character of this unified social credit code is wrong."), field=field
            ) from None
        raise ValidationFailed(
            _("This unified social credit code is not well formed (%(reason)s).")
            % {"reason": exc.message},
            field=field,
        ) from None


def mask_resident_id(number: str) -> str:
    """Keep the first 6 and last 4 characters (RULES: masking defaults)."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else number


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 "
    "独孤 南宫 西门 百里 呼延 澹台 公冶 太史 申屠 闻人 赫连 万俟 濮阳 司空 第五".split()
)


def mask_name(name: str) -> str:
    """Keep the family name and hide the rest (RULES: masking defaults): 张三丰 → 张**."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:  # a name in Latin letters: keep the first word
        first, _, rest = name.partition(" ")
        return first + " " + "*" * len(rest.replace(" ", ""))
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)
