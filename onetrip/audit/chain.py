"""Hash chains over append-only tables: the sharing-call log and the audit log.

Each entry stores `prev_hash` (the hash of the entry before it) and
`hash = sha256(prev_hash + sha256(canonical content))`, numbered by `seq` without gaps. Editing,
deleting or reordering any entry breaks the chain at that entry, and `verify` names it.

Two ways to join a chain:
- At once (the audit log): appending takes the chain's head row lock for the rest of the
  transaction, so the entry has its hash when the action commits (a consent receipt shows
  it). On PostgreSQL the lock, the hash and the insert are one statement.
- Sealed after commit (the sharing log, `SEAL_LATER = True`): a call inserts its row with no
  place in the chain and takes no lock; `seal` (the sealer worker, every second, and `audit
  verify` first) chains committed rows in batches. Holding one lock across every sharing
  call's commit (a disk flush, ~3 ms here) would cap the whole platform at a few hundred calls
  a second. The price: a row can be altered unnoticed in the second before it is sealed.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import Field, JSONField, Model
from django.utils import timezone

GENESIS = "0" * 64
_CHAIN_COLUMNS = {"id", "seq", "prev_hash", "hash"}


def _json_default(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | Decimal):
        return str(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


def content_hash(model: type[Model], values: dict[str, Any]) -> str:
    """SHA-256 of an entry's chained fields as canonical JSON (sorted keys, UTC times)."""
    content = {name: values.get(name) for name in model.CHAINED_FIELDS}  # type: ignore[attr-defined]
    text = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )
    return hashlib.sha256(text.encode()).hexdigest()


def link_hash(prev_hash: str, row_hash: str) -> str:
    return hashlib.sha256((prev_hash + row_hash).encode()).hexdigest()


def _as_stored(field: Field, value: Any) -> Any:
    """The value as the database will give it back, so the hash written now is the hash
    `verify` recomputes later: a model instance becomes its key, 3.0 in an integer column 3,
    JSON goes through an encoder (a date inside becomes its ISO string, int keys strings), a naive
    time gets the current zone. A text too long for its column is refused rather than hashed
    in full and stored cut (PostgreSQL's cast would cut it silently, SQLite would keep it)."""
    if value is None:
        return None
    if isinstance(value, Model):
        value = value.pk
    if isinstance(field, JSONField):
        return json.loads(json.dumps(value, cls=field.encoder or DjangoJSONEncoder))
    value = field.to_python(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    if isinstance(value, str) and field.max_length and len(value) > field.max_length:
        raise ValueError(
            f"{field.model._meta.label}.{field.name} takes at most {field.max_length}"
            f" characters, got {len(value)}"
        )
    return value


def _sqlite_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def install_sqlite_functions() -> None:
    """Give SQLite the `onetrip_sha256` function PostgreSQL has as `sha256`."""

    def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            connection.connection.create_function(
                "onetrip_sha256", 1, _sqlite_sha256, deterministic=True
            )

    connection_created.connect(on_connect, weak=False, dispatch_uid="onetrip-sqlite-sha256")


def append(model: type[Model], values: dict[str, Any]) -> tuple[int, int | None, str]:
    """Insert one entry of `model.CHAIN`; returns (id, seq, hash), seq None and hash "" for a
    chain sealed later. Must run inside the caller's transaction: the entry and whatever it
    records commit or vanish together (and an at-once chain's head stays locked until then)."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f.attname not in _CHAIN_COLUMNS]
    unknown = set(values) - {f.attname for f in fields} - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{meta.label} has no fields {sorted(unknown)}")
    values = {f.attname: values.get(f.attname, values.get(f.name, f.get_default())) for f in fields}
    if values.get("created_at") is None:
        values["created_at"] = timezone.now()
    values = {f.attname: _as_stored(f, values[f.attname]) for f in fields}
    chain = model.CHAIN  # type: ignore[attr-defined]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    params = [f.get_db_prep_save(values[n], connection) for f, n in zip(fields, names, strict=True)]
    table = connection.ops.quote_name(meta.db_table)
    if getattr(model, "SEAL_LATER", False):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}, prev_hash, hash)"
                f" VALUES ({', '.join(['%s'] * len(params))}, '', '') RETURNING id",
                params,
            )
            return cursor.fetchone()[0], None, ""
    row_hash = content_hash(model, values)
    for _attempt in range(2):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                casts = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
                cursor.execute(
                    "WITH head AS (UPDATE audit_chainhead SET seq = seq + 1,"
                    " prev_hash = last_hash,"
                    " last_hash = encode(sha256(convert_to(last_hash || %s, 'UTF8')), 'hex')"
                    " WHERE chain = %s RETURNING seq, prev_hash, last_hash)"
                    f" INSERT INTO {table} ({columns}, seq, prev_hash, hash)"
                    f" SELECT {casts}, seq, prev_hash, last_hash FROM head"
                    " RETURNING id, seq, hash",
                    [row_hash, chain, *params],
                )
                row = cursor.fetchone()
            else:
                cursor.execute(
                    "UPDATE audit_chainhead SET seq = seq + 1, prev_hash = last_hash,"
                    " last_hash = onetrip_sha256(last_hash || %s)"
                    " WHERE chain = %s RETURNING seq, prev_hash, last_hash",
                    [row_hash, chain],
                )
                head = cursor.fetchone()
                row = None
                if head is not None:
                    placeholders = ", ".join(["%s"] * (len(params) + 3))
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}, seq, prev_hash, hash)"
                        f" VALUES ({placeholders}) RETURNING id, seq, hash",
                        [*params, *head],
                    )
                    row = cursor.fetchone()
            if row is not None:
                return row[0], row[1], row[2]
            # A chain's first entry (or a freshly flushed database): start the chain.
            cursor.execute(
                "INSERT INTO audit_chainhead (chain, seq, last_hash, prev_hash)"
                " VALUES (%s, 0, %s, %s) ON CONFLICT (chain) DO NOTHING",
                [chain, GENESIS, GENESIS],
            )
    raise RuntimeError(f"could not append to chain {chain}")


def _head_locked(chain: str) -> Any:
    from onetrip.audit.models import ChainHead

    ChainHead.objects.get_or_create(
        chain=chain, defaults={"last_hash": GENESIS, "prev_hash": GENESIS}
    )
    return ChainHead.objects.select_for_update().get(chain=chain)


def seal(model: type[Model], *, limit: int = 5000) -> int:
    """Chain up to `limit` committed, unsealed entries of a seal-later model, oldest first,
    after the chain's last entry; returns how many. Concurrent sealers line up on the head
    row lock, so each entry gets exactly one place."""
    with transaction.atomic():
        head = _head_locked(model.CHAIN)  # type: ignore[attr-defined]
        rows = list(
            model._default_manager.filter(seq__isnull=True)
            .order_by("id")
            .values("id", *model.CHAINED_FIELDS)[:limit]  # type: ignore[attr-defined]
        )
        if not rows:
            return 0
        seq, prev = head.seq, head.last_hash
        sealed = []
        for row in rows:
            seq += 1
            link = link_hash(prev, content_hash(model, row))
            sealed.append(model(id=row["id"], seq=seq, prev_hash=prev, hash=link))
            prev = link
        model._default_manager.bulk_update(sealed, ["seq", "prev_hash", "hash"], batch_size=500)
        head.prev_hash = sealed[-1].prev_hash
        head.seq, head.last_hash = seq, prev
        head.save(update_fields=["seq", "prev_hash", "last_hash"])
    return len(rows)


def seal_all(model: type[Model], *, batch: int = 5000) -> int:
    """Seal every committed entry waiting; returns how many."""
    total = 0
    while count := seal(model, limit=batch):
        total += count
    return total


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    broken_seq: int | None = None  # the first entry that does not verify
    broken_id: int | None = None
    reason: str = ""
    pending: int = 0  # entries not sealed yet (seal-later chains)

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _entries(model: type[Model]) -> Iterator[dict[str, Any]]:
    names = ["id", "seq", "prev_hash", "hash", *model.CHAINED_FIELDS]  # type: ignore[attr-defined]
    sealed = model._default_manager.filter(seq__isnull=False)
    return sealed.order_by("seq").values(*names).iterator(chunk_size=5000)


def verify(model: type[Model]) -> ChainReport:
    """Recompute the chain of `model` from its first entry and report the first entry whose
    number, link or content does not match, or a tail cut off after the last entry. Entries
    not sealed yet are counted as pending, not checked: seal them first (`seal_all`)."""
    from onetrip.audit.models import ChainHead

    chain = model.CHAIN  # type: ignore[attr-defined]
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for entry in _entries(model):
        count += 1
        seq, entry_id = entry["seq"], entry["id"]
        if seq != expected_seq:
            # The first broken entry is the missing one; name the survivor after it too.
            return ChainReport(
                chain,
                count,
                expected_seq,
                None,
                f"it is missing (the next entry is {seq}, id {entry_id})",
            )
        if entry["prev_hash"] != expected_prev:
            return ChainReport(
                chain, count, seq, entry_id, "its previous hash does not match the entry before"
            )
        if entry["hash"] != link_hash(entry["prev_hash"], content_hash(model, entry)):
            return ChainReport(chain, count, seq, entry_id, "its content was changed")
        expected_prev, expected_seq = entry["hash"], seq + 1
    head = ChainHead.objects.filter(chain=chain).first()
    last_seq = expected_seq - 1
    if head is None and count:
        # Entries exist only after their head was written: a missing head was deleted.
        return ChainReport(chain, count, last_seq + 1, None, "the chain's head record is missing")
    if head is not None and (head.seq != last_seq or head.last_hash != expected_prev):
        return ChainReport(
            chain, count, last_seq + 1, None, f"entries after {last_seq} were removed"
        )
    pending = model._default_manager.filter(seq__isnull=True).count()
    return ChainReport(chain, count, pending=pending)
