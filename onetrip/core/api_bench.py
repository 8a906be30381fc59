"""Benchmark-only endpoints: the framework's ceiling on this machine.

`GET /api/v1/bench/pk/{id}` reads one case row by primary key and returns a few of its fields:
the least work any database-backed API request can do here (routing, one indexed query, JSON).
`onetrip bench core` reports every other figure as a ratio to it. `GET
/api/v1/bench/population/{id}` is the same for a population record (`onetrip bench share`,
whose database holds no cases). Mounted only when
`settings.ONETRIP_BENCH_ENDPOINTS` is true (env ONETRIP_BENCH_ENDPOINTS=1): it has no auth.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from onetrip.cases.models import Case
from onetrip.datahub.models import PopulationRecord

router = Router()


class BenchRowOut(Schema):
    id: int
    number: str
    state: str
    deadline: dt.date | None


@router.get("/bench/pk/{pk}", response=BenchRowOut, auth=None, include_in_schema=False)
def bench_pk(request: HttpRequest, pk: int) -> Case:
    try:
        return Case.objects.only("id", "number", "state", "deadline").get(pk=pk)
    except Case.DoesNotExist:
        raise HttpError(404, "No row with this id.") from None


class BenchPersonOut(Schema):
    id: int
    resident_id: str
    name: str
    birth_date: dt.date


@router.get("/bench/population/{pk}", response=BenchPersonOut, auth=None, include_in_schema=False)
def bench_population(request: HttpRequest, pk: int) -> PopulationRecord:
    try:
        return PopulationRecord.objects.only("id", "resident_id", "name", "birth_date").get(pk=pk)
    except PopulationRecord.DoesNotExist:
        raise HttpError(404, "No row with this id.") from None
