"""Deny by default: the role × action matrix of governance, every refusal with its reason."""

import itertools

import pytest

from caldicott.errors import PermissionDenied
from caldicott.governance.access import MATRIX, ROLES, authorise, require

#: The intended grants, written out independently of the code's table.
EXPECTED = {
    "organisation.add": {"administrator"},
    "person.add": {"administrator"},
    "person.train": {"administrator"},
    "person.read": {"administrator", "custodian", "auditor"},
    "agreement.create": {"researcher", "supplier"},
    "agreement.submit": {"researcher", "supplier"},
    "agreement.amend": {"researcher", "supplier"},
    "agreement.activate": {"researcher", "supplier"},
    "agreement.read": set(ROLES),
    "panel.vote": {"panel-member"},
    "panel.concern": {"panel-member"},
    "panel.answer": {"custodian"},
    "agreement.decide": {"custodian"},
    "agreement.suspend": {"custodian"},
    "agreement.reinstate": {"custodian"},
    "agreement.revoke": {"custodian"},
    "agreement.expire": {"custodian", "administrator"},
}


def test_the_matrix_grants_exactly_what_is_intended() -> None:
    assert {action: set(roles) for action, roles in MATRIX.items()} == EXPECTED


@pytest.mark.parametrize(("action", "role"), list(itertools.product(EXPECTED, ROLES)))
def test_each_role_and_action(action: str, role: str) -> None:
    decision = authorise([role], action)
    assert decision.allowed is (role in EXPECTED[action])
    assert decision.reason.startswith(action)
    if not decision.allowed:
        assert "needs the role" in decision.reason and role in decision.reason
        with pytest.raises(PermissionDenied) as caught:
            require([role], action)
        assert caught.value.kind.exit_code == 6


@pytest.mark.parametrize("roles", [[], ["patient"], ["superuser"], ["Custodian"]])
def test_unknown_or_missing_roles_are_denied(roles: list[str]) -> None:
    for action in EXPECTED:
        assert not authorise(roles, action).allowed


@pytest.mark.parametrize("action", ["agreement.delete", "release.create", "", "panel.decide"])
def test_unknown_actions_are_denied_for_every_role(action: str) -> None:
    decision = authorise(list(ROLES), action)
    assert not decision.allowed
    assert "no rule allows" in decision.reason


def test_the_custodian_decides_but_cannot_apply_or_vote() -> None:
    assert authorise(["custodian"], "agreement.decide").allowed
    assert not authorise(["custodian"], "agreement.create").allowed
    assert not authorise(["custodian"], "panel.vote").allowed
    assert not authorise(["panel-member"], "agreement.decide").allowed
    assert not authorise(["administrator"], "agreement.decide").allowed
