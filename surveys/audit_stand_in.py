"""A stand-in for `surveys.audit.record`, which another branch of issue 18 is building.

Deleting a round and forgetting drafts must be audit-logged. Until the audit log is merged
this writes the entry to the app's JSON log (never respondent data: an action, its target,
a short detail). At merge, import `record` from `surveys.audit` instead and delete this file.
"""

from __future__ import annotations

import logging

log = logging.getLogger("surveys.audit")


def record(action: str, *, target: str = "", detail: str = "") -> None:
    log.info(
        "audit: %s %s",
        action,
        target,
        extra={"event": "audit", "fields": {"action": action, "target": target, "detail": detail}},
    )
