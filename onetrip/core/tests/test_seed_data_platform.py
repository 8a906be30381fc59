"""The demo's data platform (`core.seeding.data_platform`, run by `onetrip seed --scale demo`):
a loaded dataset with its problem data, grants, a consent and a third party's read, a
correction request, and the demo clients' tokens in a private file; all through the
services (so `onetrip audit verify` passes), and idempotent."""

import io
import stat

import pytest
from django.core.management import call_command

from onetrip.accounts.models import User
from onetrip.audit.models import AuditEntry
from onetrip.core.errors import InvalidCredentials, PermissionDenied
from onetrip.core.seeding import data_platform, demo
from onetrip.datahub import selectors
from onetrip.datahub import services as datahub
from onetrip.datahub.models import (
    AccessGrant,
    ApiClient,
    ClientCredential,
    Consent,
    CorrectionRequest,
    Dataset,
    DatasetField,
    DatasetRecord,
    IngestionLoad,
    ProblemRecord,
    RecordVersion,
    SharingCall,
)

# A small world: the featured people and cases, a few dozen others, no planned cases.
CITIZENS, ENTERPRISES = 60, 12
COUNTED = (
    Dataset,
    DatasetField,
    DatasetRecord,
    RecordVersion,
    IngestionLoad,
    ProblemRecord,
    ApiClient,
    ClientCredential,
    AccessGrant,
    Consent,
    SharingCall,
    CorrectionRequest,
    AuditEntry,
    User,
)
ZHANGSAN = demo.FEATURED_CITIZENS["zhangsan"].resident_id
LISI = demo.FEATURED_CITIZENS["lisi"].resident_id


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _seed() -> str:
    out = io.StringIO()
    demo.seed_demo(stdout=out, citizens=CITIZENS, enterprises=ENTERPRISES, cases=0)
    return out.getvalue()


@pytest.fixture
def seeded(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    # The tokens file goes to VAR_DIR: a temporary one, never the real var/.
    settings.VAR_DIR = tmp_path
    return _seed()


def _tokens() -> dict[str, str]:
    return data_platform._saved_tokens(data_platform.credentials_path())


def test_seed_loads_the_social_insurance_dataset_with_its_problem_data(seeded):
    # given the demo seeded on a small world (fixture)
    dataset = Dataset.objects.select_related("department").get(code="social_insurance")
    steward = User.objects.get(username="zj-rlsb-steward")

    # then the dataset belongs to the provincial HRSS department, about citizens
    assert dataset.department.code == "330000-RLSB"
    assert dataset.storage == Dataset.Storage.RECORDS
    assert (dataset.key_field, dataset.subject_kind, dataset.subject_field) == (
        "resident_id",
        "citizen",
        "resident_id",
    )
    # with its typed, graded schema in order
    fields = {f.name: f for f in dataset.fields.all()}
    assert list(fields) == data_platform.COLUMNS
    assert fields["resident_id"].type == DatasetField.Type.RESIDENT_ID
    assert fields["resident_id"].masking == DatasetField.Masking.RESIDENT_ID
    assert fields["insurance_type"].type == DatasetField.Type.ENUM
    assert "城乡居民基本养老保险" in fields["insurance_type"].enum_values
    assert fields["insured_since"].type == DatasetField.Type.DATE
    assert fields["contribution_base"].type == DatasetField.Type.DECIMAL
    assert fields["employer_uscc"].type == DatasetField.Type.USCC
    assert fields["employer_uscc"].reference == "legal_entity"
    assert fields["status"].type == DatasetField.Type.ENUM

    # and one load by its steward succeeded, with exactly the five bad rows as problem data
    (load,) = selectors.loads_of_dataset(user=steward, dataset_code="social_insurance")
    assert load.status == IngestionLoad.Status.SUCCEEDED
    assert load.started_by == steward
    assert load.file_format == "csv" and load.encoding_detected == "utf-8-bom"
    assert load.rows_problem == data_platform.PROBLEM_ROWS
    assert load.rows_good == load.rows_checked - data_platform.PROBLEM_ROWS
    assert load.rows_inserted == load.rows_good == DatasetRecord.objects.count()
    assert load.rows_good >= CITIZENS * 3 // 4  # most people are insured
    assert load.reasons == {
        "resident_id": 1,
        "date": 1,
        "enum": 1,
        "reference": 1,
        "duplicate_key": 1,
    }
    # the steward's problem-data list holds them, with the mistyped ID among them
    problems = selectors.problem_records_open(user=steward)
    assert problems.count() == data_platform.PROBLEM_ROWS
    assert data_platform.BAD_RESIDENT_ID in {p.key for p in problems}
    # and the problem rows download as CSV with the reasons
    report = selectors.problem_rows_csv(load=load).decode("utf-8-sig")
    assert data_platform.BAD_RESIDENT_ID in report and "新型农村社会养老保险" in report
    # while a steward of another department sees none of it
    other = User.objects.get(username="zj-ga-steward")
    assert not selectors.problem_records_open(user=other).filter(dataset=dataset).exists()

    # and the seed said what it loaded, and where the tokens are, but never a token
    assert "社会保险参保信息" in seeded and "5 problem rows" in seeded
    assert str(data_platform.credentials_path()) in seeded
    for token in _tokens().values():
        assert token.partition(".")[2] not in seeded


def test_seed_shows_zhangsan_his_record_and_the_banks_read(seeded):
    # given the demo seeded (fixture), and its featured citizens
    zhang = User.objects.get(id_number=ZHANGSAN)
    lisi = User.objects.get(id_number=LISI)
    bank = ApiClient.objects.get(name=data_platform.BANK.name)

    # then 张三's vault holds his social-insurance record
    records = {dataset.code: rows for dataset, rows in selectors.vault_records(user=zhang)}
    (record,) = records["social_insurance"]
    assert record["name"] == "张三" and record["status"] == "待遇领取"
    assert record["insurance_type"] == "企业职工基本养老保险"
    # and his consent for the bank is active, for about 90 days
    (consent,) = selectors.consents_of(user=zhang)
    assert consent.client == bank and consent.status == Consent.Status.ACTIVE
    assert consent.fields == ["name", "marital_status"]
    assert 88 <= (consent.valid_until - consent.granted_at.date()).days <= 91
    # and the bank's read under it is among his accesses, naming the consent
    total, accesses = selectors.vault_accesses(user=zhang, limit=100)
    (read,) = [a for a in accesses if a.who == bank.name]
    assert read.organisation == "浙江农商联合银行"
    assert read.fields == ["name", "marital_status"] and read.outcome == "ok"
    assert read.consent_receipt == consent.receipt_number
    # while 李四's vault shows neither 张三's record nor the bank's read
    assert all(ZHANGSAN not in str(rows) for _d, rows in selectors.vault_records(user=lisi))
    _total, theirs = selectors.vault_accesses(user=lisi, limit=100)
    assert all(a.who != bank.name for a in theirs)

    # and the public security steward has one request waiting and one correction to answer
    ga = User.objects.get(username="zj-ga-steward")
    (pending,) = selectors.grant_requests_pending(user=ga)
    assert pending.client.name == data_platform.EMPLOYMENT_SERVICES.name
    assert pending.client.department.code == "330110-RLSB"
    (correction,) = selectors.correction_queue(steward=ga)
    assert correction.requester == lisi and correction.field_name == "education"
    assert correction.status == CorrectionRequest.Status.OPEN
    assert correction.current_value == "本科" and correction.proposed_value == "硕士研究生"
    # and the 社会救助业务系统's access was granted by that steward, fields up to L3 in clear
    granted = AccessGrant.objects.get(client__name=data_platform.SOCIAL_ASSISTANCE.name)
    assert granted.status == AccessGrant.Status.GRANTED and granted.decided_by == ga
    assert granted.client.department.code == "330106-MZ" and granted.max_grade == "L3"


def test_the_tokens_file_is_private_and_its_tokens_read(seeded):
    # given the tokens file the seed wrote (fixture)
    path = data_platform.credentials_path()
    tokens = _tokens()

    # then only its owner may read it, and it holds both demo clients' tokens
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(tokens) == {"ONETRIP_DEMO_XH_MZ_TOKEN", "ONETRIP_DEMO_BANK_TOKEN"}

    # when the 社会救助业务系统 reads 张三's population record with its token
    client = datahub.client_authenticate(token=tokens["ONETRIP_DEMO_XH_MZ_TOKEN"])
    result = datahub.share_read(
        client=client,
        dataset_code="population",
        keys=[ZHANGSAN],
        fields=["name", "marital_status"],
        purpose="社会救助资格核验",
    )
    # then it gets them (granted up to L3, so marital status in clear)
    assert result.records[ZHANGSAN] == {"name": "张三", "marital_status": "married"}

    # when the bank reads 李四, who gave it no consent, it is refused
    bank = datahub.client_authenticate(token=tokens["ONETRIP_DEMO_BANK_TOKEN"])
    with pytest.raises(PermissionDenied) as refused:
        datahub.share_read(
            client=bank,
            dataset_code="population",
            keys=[LISI],
            fields=["name"],
            purpose="个人消费贷款审批",
        )
    assert refused.value.extra["outcome"] == "no_consent"


def test_seed_twice_adds_nothing_and_the_chains_verify(seeded, settings):
    # given a seeded database and its tokens file
    before = _counts()
    path = data_platform.credentials_path()
    written = path.read_bytes()

    # when the seed runs again
    again = _seed()

    # then nothing was added and the file is as it was
    assert _counts() == before
    assert path.read_bytes() == written
    assert "already loaded" in again
    # and every hash chain (sharing log, audit log) is intact
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "sharing:" in out.getvalue() and "chain intact" in out.getvalue()
    # with the seed's sensitive actions audited
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "dataset.create",
        "ingestion.loaded",
        "sharing.client_create",
        "sharing.grant_approve",
        "sharing.grant_request",
        "consent.grant",
        "correction.file",
    } <= actions


def test_a_lost_tokens_file_is_written_again_with_new_secrets(seeded):
    # given the tokens file is lost
    path = data_platform.credentials_path()
    old = _tokens()
    path.unlink()

    # when the seed runs again
    _seed()

    # then the file is back with new tokens, which work, and the old ones are revoked
    new = _tokens()
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    for variable, token in new.items():
        client = datahub.client_authenticate(token=token)
        with pytest.raises(InvalidCredentials):
            datahub.client_authenticate(token=old[variable])
        assert client.name in {s.name for s in data_platform.SAVED_CLIENTS}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # and nothing else was made twice
    assert ApiClient.objects.filter(name=data_platform.BANK.name).count() == 1
    assert Consent.objects.count() == 1 and CorrectionRequest.objects.count() == 1


def test_a_tokens_file_of_another_database_is_replaced(seeded):
    # given a tokens file that names credentials this database does not hold
    path = data_platform.credentials_path()
    path.write_text(
        "ONETRIP_DEMO_XH_MZ_TOKEN=scdeadbeef000000.x\nONETRIP_DEMO_BANK_TOKEN=scdeadbeef000001.y\n"
    )

    # when the seed runs again
    _seed()

    # then the file holds live tokens of this database
    for token in _tokens().values():
        assert datahub.client_authenticate(token=token).name in {
            s.name for s in data_platform.SAVED_CLIENTS
        }
