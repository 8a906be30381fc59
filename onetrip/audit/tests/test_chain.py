"""The hash chains themselves: appends on both chains verify, and what is hashed is what the
database gives back, whatever form the caller passed the values in."""

import datetime as dt

import pytest

from onetrip.audit import chain
from onetrip.audit.models import AuditEntry, ChainHead
from onetrip.audit.services import audit_record
from onetrip.datahub.models import ApiClient, SharingCall
from onetrip.testing import factories


def _call(**values) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    base = {
        "consumer": "测试系统",
        "dataset_code": "population",
        "keys": ["330106196005010011"],
        "fields": ["name"],
        "purpose": "测试",
    }
    appended = chain.append(SharingCall, {**base, **values})
    chain.seal_all(SharingCall)  # what the sealer worker does just after commit
    return appended


@pytest.mark.django_db
def test_appends_on_both_chains_are_numbered_linked_and_verify(world) -> None:  # type: ignore[no-untyped-def]
    # given three audit entries and three sharing calls, interleaved
    for n in range(3):
        audit_record(actor=world.citizen_a, action="test.write", object_type="x", object_id=str(n))
        _call(purpose=f"测试 {n}")

    # when both chains are verified
    audit = chain.verify(AuditEntry)
    sharing = chain.verify(SharingCall)

    # then each is intact, numbered 1..3 without gaps, each entry linked to the one before
    assert audit.ok and audit.entries == 3
    assert sharing.ok and sharing.entries == 3
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == chain.GENESIS
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert ChainHead.objects.get(chain="audit").last_hash == entries[2].hash
    assert ChainHead.objects.get(chain="sharing").seq == 3


@pytest.mark.django_db
def test_an_empty_chain_verifies(db) -> None:  # type: ignore[no-untyped-def]
    # given no entries at all / when verified / then intact with none
    report = chain.verify(AuditEntry)
    assert report.ok and report.entries == 0


@pytest.mark.django_db
def test_values_in_other_forms_are_hashed_as_stored(world) -> None:  # type: ignore[no-untyped-def]
    # given a client passed as an instance, a float latency, an int status as text, a naive
    # time, and keys as a tuple: each stored in another form than passed
    client = ApiClient.objects.create(name="银行", kind=ApiClient.Kind.THIRD_PARTY)
    _call(
        client=client,
        latency_ms=3.0,
        status_code="200",
        keys=("a", "b"),
        created_at=dt.datetime(2025, 1, 2, 3, 4, 5, 678901),
    )
    # and an audit entry whose detail holds a date, an int key and mixed keys
    audit_record(
        actor=None,
        action="test.detail",
        object_type="x",
        object_id="1",
        detail={"on": dt.date(2025, 1, 2), 1: "one", "b": 2},
    )

    # when both chains are verified
    # then both are intact: the hash was taken over the stored values
    assert chain.verify(SharingCall).ok
    assert chain.verify(AuditEntry).ok
    call = SharingCall.objects.get()
    assert call.client_id == client.pk and call.latency_ms == 3 and call.keys == ["a", "b"]
    assert AuditEntry.objects.get().detail == {"on": "2025-01-02", "1": "one", "b": 2}


@pytest.mark.django_db
def test_a_text_too_long_for_its_column_is_refused_not_cut(world) -> None:  # type: ignore[no-untyped-def]
    # given a purpose longer than the column's 200 characters
    # when appended / then refused before anything is written
    with pytest.raises(ValueError, match="purpose takes at most 200"):
        _call(purpose="很" * 201)
    assert not SharingCall.objects.exists()


@pytest.mark.django_db
def test_an_actor_with_a_long_username_is_recorded(world) -> None:  # type: ignore[no-untyped-def]
    # given staff whose label (the username, no display name) exceeds the 128-character column
    user = factories.staff(roles=["approver"], username="u" * 150)
    user.display_name = ""
    user.save(update_fields=["display_name"])

    # when an action of theirs is audited
    entry = audit_record(actor=user, action="test.long", object_type="x", object_id="1")

    # then the label is cut to the column and the chain verifies
    assert entry.actor_label == "u" * 128
    assert chain.verify(AuditEntry).ok


@pytest.mark.django_db
def test_unknown_fields_are_refused(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="no fields"):
        _call(nonsense=1)


@pytest.mark.django_db
def test_sharing_calls_wait_unsealed_until_the_sealer_chains_them_in_order(world) -> None:  # type: ignore[no-untyped-def]
    # given three sharing calls appended without sealing (as a request does)
    base = {"consumer": "测试系统", "dataset_code": "population", "fields": ["name"]}
    ids = [
        chain.append(SharingCall, {**base, "keys": [str(n)], "purpose": f"测试 {n}"})[0]
        for n in range(3)
    ]
    # then they hold no place in the chain yet, and verify counts them as pending
    assert list(SharingCall.objects.filter(pk__in=ids).values_list("seq", flat=True)) == [None] * 3
    pending = chain.verify(SharingCall)
    assert pending.ok and pending.entries == 0 and pending.pending == 3

    # when the sealer runs (twice: the second finds nothing)
    assert chain.seal_all(SharingCall) == 3
    assert chain.seal_all(SharingCall) == 0

    # then they are numbered in the order they were written, linked, and verify
    rows = list(SharingCall.objects.order_by("seq").values_list("id", "seq", "prev_hash", "hash"))
    assert [r[0] for r in rows] == ids and [r[1] for r in rows] == [1, 2, 3]
    assert rows[0][2] == chain.GENESIS and rows[1][2] == rows[0][3] and rows[2][2] == rows[1][3]
    sealed = chain.verify(SharingCall)
    assert sealed.ok and sealed.entries == 3 and sealed.pending == 0
    assert ChainHead.objects.get(chain="sharing").last_hash == rows[2][3]


@pytest.mark.django_db
def test_postgresql_refuses_changing_or_deleting_a_log_entry(world) -> None:  # type: ignore[no-untyped-def]
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers are PostgreSQL's; SQLite relies on the chain")
    # given a sealed sharing call and an audit entry
    call_id = _call(purpose="原样")[0]
    entry = audit_record(actor=world.citizen_a, action="test.write", object_type="x", object_id="1")
    # when anyone updates or deletes them through the database
    attempts = [
        lambda: SharingCall.objects.filter(pk=call_id).update(purpose="改过"),
        lambda: SharingCall.objects.filter(pk=call_id).delete(),
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="test.other"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ]
    for attempt in attempts:
        # then each is refused, and nothing changed
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert SharingCall.objects.get(pk=call_id).purpose == "原样"
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.write"
    assert chain.verify(SharingCall).ok and chain.verify(AuditEntry).ok
