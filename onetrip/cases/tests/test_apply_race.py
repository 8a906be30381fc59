"""Two requests with the same idempotency key at the same moment still make one case.

On PostgreSQL the second request passes the pre-check (the first case is not committed yet),
blocks on the unique index, then loses: it answers with the first case and rolls back its own
writes. On SQLite the second transaction waits for the first and then finds its case."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connections, transaction

from onetrip.cases import services
from onetrip.cases.models import Case
from onetrip.datahub.models import ELicence, SharingCall
from onetrip.notify.models import OutboxMessage
from onetrip.testing import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_same_key_makes_one_case_and_the_loser_writes_nothing(world):
    # given an instant item, and a first request that has applied but not yet committed
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    applied, results = threading.Event(), {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = services.case_apply(
                    actor=world.citizen_a, implementation=impl, idempotency_key="same"
                )
                applied.set()
                time.sleep(1.0)  # the second request runs into our uncommitted case
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert applied.wait(10)
    # when the second request with the same key arrives before the first commits
    second = services.case_apply(actor=world.citizen_a, implementation=impl, idempotency_key="same")
    thread.join()
    # then both answers are the same case, and only one case, licence and set of logs exist
    assert second.pk == results["first"].pk and second.created is False
    assert Case.objects.filter(applicant=world.citizen_a).count() == 1
    assert ELicence.objects.filter(holder_id_number=world.citizen_a.id_number).count() == 1
    number = results["first"].number
    assert SharingCall.objects.exclude(case_number=number).count() == 0
    assert OutboxMessage.objects.filter(event="case.approved").count() == len(
        settings.ONETRIP_NOTIFY_CHANNELS
    )
