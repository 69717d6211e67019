"""The audit log: an append-only, hash-chained record of every state change (审计日志)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditRecord(models.Model):
    """One state change. ``hash`` covers every field and the previous record's hash in the same
    chain, so an edit, a deletion or a re-ordering breaks the chain (``pengcheng audit_verify``).

    The log is kept in several parallel chains (``PENGCHENG_AUDIT_CHAINS``); all records about one
    object go to the same chain, so writers about different objects do not queue behind one lock."""

    chain = models.PositiveSmallIntegerField(_("chain"), default=1)
    seq = models.BigIntegerField(_("sequence"))
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    # Plain columns, not foreign keys: deleting an account must not rewrite its history.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return f"#{self.chain}.{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit records are append-only")


class AuditChainHead(models.Model):
    """A chain's tip (its primary key is the chain number). Appending locks this row, which orders
    the writers of one chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditVerification(models.Model):
    """The outcome of a chain verification run (nightly job or command)."""

    ran_at = models.DateTimeField(auto_now_add=True)
    records_checked = models.BigIntegerField()
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-ran_at"]
        get_latest_by = "ran_at"

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} ({self.records_checked} records)"

    @property
    def ok(self) -> bool:
        return not self.problems
