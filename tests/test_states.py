"""The state machines: allowed transitions pass, everything else names item and from -> to."""

from __future__ import annotations

import pytest

from opsdb.errors import InvalidTransitionError
from opsdb.schemas.enums import ExecutionStatus, PackageState, PhysicalCopyStatus, Status
from opsdb.states import TRANSITIONS, Machine, allowed, check_transition


@pytest.mark.parametrize(
    ("machine", "current", "target"),
    [
        (Machine.STATUS, "pending", "in_progress"),
        (Machine.STATUS, "in_progress", "completed"),
        (Machine.STATUS, "in_progress", "pending"),
        (Machine.STATUS, "in_progress", "in_progress"),
        (Machine.STATUS, "failed", "pending"),
        (Machine.UNPACK, "in_progress", "completed"),
        (Machine.PACKAGE_STATE, "waiting", "transferring"),
        (Machine.PACKAGE_STATE, "transferring", "archived"),
        (Machine.PHYSICAL_COPY_STATUS, "present", "deletion_scheduled"),
        (Machine.PHYSICAL_COPY_STATUS, "deletion_in_progress", "deleted"),
        (Machine.PHYSICAL_COPY_STATUS, "deletion_failed", "deletion_scheduled"),
    ],
)
def test_allowed_transitions_pass(machine: Machine, current: str, target: str) -> None:
    check_transition(machine, "item 1", current, target)


@pytest.mark.parametrize(
    ("machine", "current", "target"),
    [
        (Machine.STATUS, "completed", "pending"),
        (Machine.STATUS, "pending", "completed"),
        (Machine.STATUS, "failed", "completed"),
        (Machine.PACKAGE_STATE, "archived", "waiting"),
        (Machine.PACKAGE_STATE, "waiting", "waiting"),
        (Machine.PHYSICAL_COPY_STATUS, "present", "deleted"),
        (Machine.PHYSICAL_COPY_STATUS, "deleted", "present"),
        (Machine.PHYSICAL_COPY_STATUS, "present", "deletion_in_progress"),
    ],
)
def test_refused_transition_names_item_and_states(machine: Machine, current: str, target: str) -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        check_transition(machine, "raw_data_package 7", current, target)
    assert str(refused.value) == f"raw_data_package 7: transition {current} -> {target} is not allowed"
    assert (refused.value.item, refused.value.current, refused.value.target) == ("raw_data_package 7", current, target)


def test_missing_item_is_a_refused_transition_from_none() -> None:
    with pytest.raises(InvalidTransitionError, match="None -> archived"):
        check_transition(Machine.PACKAGE_STATE, "raw_data_package 9", None, "archived")


def test_unknown_target_state_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        check_transition(Machine.STATUS, "x", "pending", "exploded")


@pytest.mark.parametrize(
    ("machine", "enum"),
    [
        (Machine.STATUS, Status),
        (Machine.UNPACK, Status),
        (Machine.PACKAGE_BUILD, Status),
        (Machine.PACKAGE_STATE, PackageState),
        (Machine.PHYSICAL_COPY_STATUS, PhysicalCopyStatus),
        (Machine.EXECUTION_STATUS, ExecutionStatus),
    ],
)
def test_every_state_of_the_enum_is_in_its_machine(machine: Machine, enum: type[Status]) -> None:
    states = TRANSITIONS[machine]
    assert set(states) == {e.value for e in enum}
    assert all(target in states for targets in states.values() for target in targets)


def test_terminal_states_have_no_way_out() -> None:
    assert not any(allowed(Machine.STATUS, "completed", s) for s in Status)
    # a deleted copy is history, except where staging writes the bytes there again
    assert {s for s in PhysicalCopyStatus if allowed(Machine.PHYSICAL_COPY_STATUS, "deleted", s)} == {"staged"}
    assert not any(allowed(Machine.PHYSICAL_COPY_STATUS, "lost", s) for s in PhysicalCopyStatus)
    assert not any(allowed(Machine.EXECUTION_STATUS, "completed", s) for s in ExecutionStatus)
