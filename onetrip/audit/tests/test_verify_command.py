"""`onetrip audit verify`: intact chains say so; a row edited, deleted or cut off behind the
application's back (raw SQL, as someone with database access would) makes it fail and name the
first broken entry."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onetrip.audit import chain
from onetrip.audit.models import AuditEntry, ChainHead
from onetrip.audit.services import audit_record
from onetrip.datahub.models import SharingCall, SharingCallSubject


@pytest.fixture
def chains(world):  # type: ignore[no-untyped-def]
    """Five entries on each chain."""
    for n in range(1, 6):
        audit_record(
            actor=world.citizen_a,
            action="test.write",
            object_type="x",
            object_id=str(n),
            subject_key=world.citizen_a.id_number,
            detail={"n": n},
        )
        call_id, _, _ = chain.append(
            SharingCall,
            {
                "consumer": "测试系统",
                "dataset_code": "population",
                "keys": [world.citizen_a.id_number],
                "fields": ["name"],
                "purpose": f"测试 {n}",
            },
        )
        SharingCallSubject.objects.create(
            call_id=call_id,
            subject_key=world.citizen_a.id_number,
            created_at=SharingCall.objects.get(pk=call_id).created_at,
        )
    chain.seal_all(SharingCall)
    return world


def _sql(statement: str, params: list) -> None:  # type: ignore[type-arg]
    """Tamper behind the application's back, as someone with direct database access would.
    On PostgreSQL that person must first switch off the append-only triggers (a superuser's
    `session_replication_role`), which the test user here may do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(statement, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def _table(model) -> str:  # type: ignore[no-untyped-def]
    return connection.ops.quote_name(model._meta.db_table)


def _verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_intact_chains_are_reported_intact(chains) -> None:  # type: ignore[no-untyped-def]
    # given five entries on each chain / when verified
    output = _verify()

    # then both chains are named intact with their counts
    assert "sharing: 5 entries, chain intact" in output
    assert "audit: 5 entries, chain intact" in output


@pytest.mark.django_db
def test_an_audit_row_edited_by_sql_breaks_the_chain_at_that_entry(chains) -> None:  # type: ignore[no-untyped-def]
    # given entry 3's action rewritten behind the application's back
    _sql(f"UPDATE {_table(AuditEntry)} SET action = %s WHERE seq = %s", ["test.innocent", 3])
    edited = AuditEntry.objects.get(seq=3)

    # when verified / then it fails naming entry 3 and its id
    with pytest.raises(CommandError) as error:
        _verify()
    message = str(error.value)
    assert f"audit chain broken at entry 3 (id {edited.pk})" in message
    assert "content was changed" in message
    assert "sharing" not in message


@pytest.mark.django_db
def test_a_sharing_row_edited_by_sql_breaks_the_chain(chains) -> None:  # type: ignore[no-untyped-def]
    # given the fields of sharing call 2 narrowed after the fact, to hide what was read
    _sql(f"UPDATE {_table(SharingCall)} SET purpose = %s WHERE seq = %s", ["无", 2])

    # when verified / then the sharing chain is broken at entry 2
    with pytest.raises(CommandError, match=r"sharing chain broken at entry 2 \(id \d+\)"):
        _verify()


@pytest.mark.django_db
def test_a_row_rehashed_after_editing_breaks_the_next_link(chains) -> None:  # type: ignore[no-untyped-def]
    # given entry 2 edited and its own hash recomputed to match, as a careful forger would
    row = AuditEntry.objects.filter(seq=2).values().get()
    row["action"] = "test.forged"
    forged = chain.link_hash(row["prev_hash"], chain.content_hash(AuditEntry, row))
    _sql(
        f"UPDATE {_table(AuditEntry)} SET action = %s, hash = %s WHERE seq = %s",
        ["test.forged", forged, 2],
    )

    # when verified / then entry 3 no longer links to it
    with pytest.raises(CommandError, match=r"audit chain broken at entry 3 .*previous hash"):
        _verify()


@pytest.mark.django_db
def test_a_deleted_row_is_named_as_the_missing_entry(chains) -> None:  # type: ignore[no-untyped-def]
    # given audit entry 4 deleted
    survivor = AuditEntry.objects.get(seq=5)
    _sql(f"DELETE FROM {_table(AuditEntry)} WHERE seq = %s", [4])

    # when verified / then entry 4 is named missing, and the entry after it too
    with pytest.raises(CommandError) as error:
        _verify()
    assert (
        f"audit chain broken at entry 4: it is missing (the next entry is 5, id {survivor.pk})"
        in str(error.value)
    )


@pytest.mark.django_db
def test_the_first_row_deleted_is_named(chains) -> None:  # type: ignore[no-untyped-def]
    # given sharing call 1 deleted with its subject index rows
    call = SharingCall.objects.get(seq=1)
    _sql(f"DELETE FROM {_table(SharingCallSubject)} WHERE call_id = %s", [call.pk])
    _sql(f"DELETE FROM {_table(SharingCall)} WHERE seq = %s", [1])

    # when verified / then entry 1 is named
    with pytest.raises(CommandError, match="sharing chain broken at entry 1: it is missing"):
        _verify()


@pytest.mark.django_db
def test_a_cut_tail_is_detected_against_the_chain_head(chains) -> None:  # type: ignore[no-untyped-def]
    # given the last two audit entries deleted: what remains links perfectly
    _sql(f"DELETE FROM {_table(AuditEntry)} WHERE seq >= %s", [4])

    # when verified / then the command names entry 4 as where the chain ends too early
    with pytest.raises(CommandError) as error:
        _verify()
    assert "audit chain broken at entry 4: entries after 3 were removed" in str(error.value)


@pytest.mark.django_db
def test_every_entry_deleted_is_detected(chains) -> None:  # type: ignore[no-untyped-def]
    # given the whole audit table emptied
    _sql(f"DELETE FROM {_table(AuditEntry)}", [])

    # when verified / then it is broken from entry 1
    with pytest.raises(CommandError, match="audit chain broken at entry 1: entries after 0"):
        _verify()


@pytest.mark.django_db
def test_a_deleted_chain_head_is_detected(chains) -> None:  # type: ignore[no-untyped-def]
    # given the audit chain's head row deleted (to hide a cut tail)
    _sql(f"DELETE FROM {_table(ChainHead)} WHERE chain = %s", ["audit"])

    # when verified / then it fails
    with pytest.raises(CommandError, match="audit chain broken at entry 6: .*head record"):
        _verify()


@pytest.mark.django_db
def test_both_chains_broken_are_both_named(chains) -> None:  # type: ignore[no-untyped-def]
    # given one edit on each chain
    _sql(f"UPDATE {_table(AuditEntry)} SET subject_key = %s WHERE seq = %s", ["", 1])
    _sql(f"UPDATE {_table(SharingCall)} SET hidden = %s WHERE seq = %s", [True, 5])

    # when verified / then the one line names both
    with pytest.raises(CommandError) as error:
        _verify()
    assert "sharing chain broken at entry 5" in str(error.value)
    assert "audit chain broken at entry 1" in str(error.value)


@pytest.mark.django_db
def test_appending_after_verification_keeps_the_chain_intact(chains) -> None:  # type: ignore[no-untyped-def]
    # given a verified chain / when more entries follow
    _verify()
    audit_record(actor=None, action="test.later", object_type="x", object_id="6")

    # then it is still intact, one longer
    assert "audit: 6 entries, chain intact" in _verify()
