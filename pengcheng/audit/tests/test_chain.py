import hashlib
import json
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pengcheng.audit.models import AuditChainHead, AuditRecord
from pengcheng.audit.services import iter_chain_problems, record, verify_chain
from pengcheng.core.actors import SYSTEM
from pengcheng.testing import make_citizen


def _problems() -> list:
    return [p for p in iter_chain_problems() if not isinstance(p, int)]


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def chain(db: None) -> list[AuditRecord]:
    citizen = make_citizen()
    return [
        record(
            SYSTEM if i % 2 else citizen, f"test.step{i}", citizen, summary=f"step {i}", data={"n": i, "text": "中文"}
        )
        for i in range(5)
    ]


def test_records_chain_to_each_other(chain: list[AuditRecord]) -> None:
    for before, after in pairwise(chain):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    assert _problems() == []
    outcome = verify_chain()
    assert outcome.ok and outcome.records_checked >= 5


def test_the_returned_record_is_the_stored_one(chain: list[AuditRecord]) -> None:
    """record() writes in plain SQL; what it returns must be what the database holds."""
    for entry in chain:
        stored = AuditRecord.objects.get(pk=entry.pk)
        for name in ("chain", "seq", "occurred_at", "actor_id", "actor_label", "action", "object_type"):
            assert getattr(stored, name) == getattr(entry, name), name
        assert (stored.object_id, stored.summary, stored.data) == (entry.object_id, entry.summary, entry.data)
        assert (stored.prev_hash, stored.hash) == (entry.prev_hash, entry.hash)
    head = AuditChainHead.objects.get(pk=chain[-1].chain)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)
    with pytest.raises(PermissionError):
        chain[0].save()  # the returned instance is a stored record, so the append-only guard applies


def test_an_edit_is_found(chain: list[AuditRecord]) -> None:
    _raw(
        "UPDATE audit_auditrecord SET summary = %s WHERE chain = %s AND seq = %s",
        ["forged", chain[2].chain, chain[2].seq],
    )
    problems = _problems()
    assert [(p.seq, p.kind) for p in problems] == [(chain[2].seq, "edited")]


def test_a_deletion_is_found(chain: list[AuditRecord]) -> None:
    _raw("DELETE FROM audit_auditrecord WHERE chain = %s AND seq = %s", [chain[1].chain, chain[1].seq])
    kinds = {(p.seq, p.kind) for p in _problems()}
    assert (chain[2].seq, "missing") in kinds
    assert (chain[2].seq, "reordered") in kinds


def test_deleting_the_newest_records_is_found(chain: list[AuditRecord]) -> None:
    _raw("DELETE FROM audit_auditrecord WHERE chain = %s AND seq >= %s", [chain[3].chain, chain[3].seq])
    assert [p.kind for p in _problems()] == ["truncated"]


def test_a_reordering_is_found(chain: list[AuditRecord]) -> None:
    a, b = chain[1], chain[3]
    _raw("UPDATE audit_auditrecord SET seq = %s WHERE id = %s", [-1, a.pk])
    _raw("UPDATE audit_auditrecord SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _raw("UPDATE audit_auditrecord SET seq = %s WHERE id = %s", [b.seq, a.pk])
    kinds = {p.kind for p in _problems()}
    assert "reordered" in kinds


def test_records_are_append_only(chain: list[AuditRecord]) -> None:
    entry = AuditRecord.objects.get(pk=chain[0].pk)
    entry.summary = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_audit_verify_command(chain: list[AuditRecord], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
    _raw(
        "UPDATE audit_auditrecord SET data = %s WHERE chain = %s AND seq = %s",
        ['{"n": 99}', chain[4].chain, chain[4].seq],
    )
    with pytest.raises(CommandError, match="1 problem"):
        call_command("audit_verify")
    assert f"record {chain[4].chain}.{chain[4].seq}: edited" in capsys.readouterr().out


def test_admin_is_read_only(client_for, chain: list[AuditRecord]) -> None:
    client = client_for("admin")
    assert client.get("/admin/audit/auditrecord/").status_code == 200
    assert client.get("/admin/audit/auditrecord/add/").status_code == 403
    response = client.post(f"/admin/audit/auditrecord/{chain[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditRecord.objects.filter(pk=chain[0].pk).exists()


def test_records_about_different_objects_spread_over_chains(db: None, settings) -> None:
    from pengcheng.audit.services import chain_for

    settings.PENGCHENG_AUDIT_CHAINS = 8
    targets = [("test.thing", str(n)) for n in range(40)]
    written = [record(SYSTEM, "test.touch", target) for target in targets for _ in range(2)]
    chains = {entry.chain for entry in written}
    assert len(chains) > 4  # 40 objects over 8 chains
    for target in targets:  # one object's records stay in one chain, in order
        mine = [e for e in written if (e.object_type, e.object_id) == target]
        assert mine[0].chain == mine[1].chain == chain_for(*target, "test.touch")
        assert mine[1].seq == mine[0].seq + 1 and mine[1].prev_hash == mine[0].hash
    assert _problems() == []
    victim = written[11]
    _raw("UPDATE audit_auditrecord SET summary = %s WHERE id = %s", ["forged", victim.pk])
    assert [(p.chain, p.seq, p.kind) for p in _problems()] == [(victim.chain, victim.seq, "edited")]


def test_chain_one_hashes_as_the_single_chain_did(chain: list[AuditRecord]) -> None:
    """Records written before the log was split (all in chain 1) still verify."""
    from pengcheng.audit.services import compute_hash

    fields: dict[str, Any] = {
        "seq": 1,
        "occurred_at": "2026-01-01T00:00:00.000000Z",
        "actor_id": None,
        "actor_label": "system",
        "action": "x",
        "object_type": "",
        "object_id": "",
        "summary": "",
        "data": {},
        "ip_address": "",
        "prev_hash": "0" * 64,
    }
    legacy = hashlib.sha256(
        json.dumps(list(fields.values()), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    assert compute_hash(chain=1, **fields) == legacy
    assert compute_hash(chain=2, **fields) != legacy
