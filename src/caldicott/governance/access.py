"""Who may do what: the role × action matrix, deny by default, every decision with a reason.

A person holds one or more staff roles. Each governance action names the roles that may
take it; anything not listed here is refused, and the refusal says why. Patients are not
staff: they act through the consent capability, never through these actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from caldicott.errors import PermissionDenied

ROLES = ("researcher", "supplier", "custodian", "panel-member", "auditor", "administrator")
APPLICANT_ROLES = frozenset({"researcher", "supplier"})

#: action -> the roles that may take it. Absent actions and roles are refused.
MATRIX: dict[str, frozenset[str]] = {
    "organisation.add": frozenset({"administrator"}),
    "person.add": frozenset({"administrator"}),
    "person.train": frozenset({"administrator"}),
    "person.read": frozenset({"administrator", "custodian", "auditor"}),
    "agreement.create": APPLICANT_ROLES,
    "agreement.submit": APPLICANT_ROLES,
    "agreement.amend": APPLICANT_ROLES,
    "agreement.activate": APPLICANT_ROLES,
    "agreement.read": frozenset(
        {"researcher", "supplier", "custodian", "panel-member", "auditor", "administrator"}
    ),
    "panel.vote": frozenset({"panel-member"}),
    "panel.concern": frozenset({"panel-member"}),
    "panel.answer": frozenset({"custodian"}),
    "agreement.decide": frozenset({"custodian"}),
    "agreement.suspend": frozenset({"custodian"}),
    "agreement.reinstate": frozenset({"custodian"}),
    "agreement.revoke": frozenset({"custodian"}),
    "agreement.expire": frozenset({"custodian", "administrator"}),
}

#: Actions an applicant may take only on an application that names them.
APPLICANT_OWN = frozenset(
    {"agreement.submit", "agreement.amend", "agreement.activate", "agreement.create"}
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str
    role: str | None
    reason: str


def authorise(roles: Iterable[str], action: str) -> Decision:
    """Allow if any of ``roles`` may take ``action``; otherwise deny, saying why."""
    held = sorted(set(roles))
    allowed_roles = MATRIX.get(action)
    if allowed_roles is None:
        return Decision(False, action, None, f"{action}: no rule allows this action")
    for role in held:
        if role in allowed_roles:
            return Decision(True, action, role, f"{action}: allowed for role {role}")
    need = " or ".join(sorted(allowed_roles))
    have = ", ".join(held) if held else "no role"
    return Decision(False, action, None, f"{action}: needs the role {need}; the actor has {have}")


def require(roles: Iterable[str], action: str) -> str:
    """The role under which the action is allowed; PermissionDenied (exit 6) otherwise."""
    decision = authorise(roles, action)
    if not decision.allowed or decision.role is None:
        raise PermissionDenied(decision.reason, action=action)
    return decision.role
