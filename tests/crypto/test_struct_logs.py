"""Internal transfers from debug_traceTransaction struct logs: the cases the
local node test does not reach (failed inner calls, creations, delegate
calls, self-destructs, malformed logs), on hand-written opcode sequences
laid out as geth and ganache write them (stack top last)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.crypto.model import AccountTransaction, TransferKind, WarningCode
from vigil.crypto.sources.ethereum import parse_struct_logs

ROOT = "0x" + "a" * 40
OTHER = "0x" + "b" * 40
EOA = "0x" + "c" * 40
CREATED = "0x" + "d" * 40
TX = AccountTransaction("ethereum", "0x" + "1" * 64, "0x" + "e" * 40, ROOT, 0, 7, status=1)


def _word(value: int | str) -> str:
    return f"{int(value, 16) if isinstance(value, str) else value:064x}"


def _call(depth: int, to: str, value: int, op: str = "CALL") -> dict[str, object]:
    """A call step: stack ..., value, to, gas (gas on top)."""
    stack = [_word(value), _word(to), _word(50_000)] if op in ("CALL", "CALLCODE") else []
    if op in ("DELEGATECALL", "STATICCALL"):
        stack = [_word(to), _word(50_000)]
    return {"depth": depth, "op": op, "stack": stack}


def _result(depth: int, word: int | str, op: str = "POP") -> dict[str, object]:
    """The step after a call returns: the call's result on top of the stack."""
    return {"depth": depth, "op": op, "stack": [_word(word)]}


def _step(depth: int, op: str) -> dict[str, object]:
    return {"depth": depth, "op": op, "stack": []}


def test_payouts_of_a_call_that_later_reverts_do_not_move() -> None:
    logs = [
        _call(1, OTHER, 5),
        _call(2, EOA, 3),  # OTHER pays EOA: succeeds ...
        _result(2, 1),
        _step(2, "REVERT"),  # ... but OTHER then reverts, undoing it
        _result(1, 0),
        _call(1, EOA, 2),
        _result(1, 1, "STOP"),
    ]
    transfers, warnings = parse_struct_logs({"structLogs": logs}, TX)
    assert [(t.from_address, t.to_address, t.value, t.position) for t in transfers] == [
        (ROOT, EOA, 2, "trace:1")
    ]
    assert [w.code for w in warnings] == [WarningCode.FAILED_TX]
    assert transfers[0].kind is TransferKind.INTERNAL and transfers[0].block_number == 7


def test_creation_value_and_constructor_payout_take_the_created_address() -> None:
    logs = [
        {"depth": 1, "op": "CREATE", "stack": [_word(64), _word(0), _word(7)]},
        _call(2, EOA, 2),
        _result(2, 1),
        _step(2, "RETURN"),
        _result(1, CREATED),
        _step(1, "STOP"),
    ]
    transfers, warnings = parse_struct_logs({"structLogs": logs}, TX)
    assert warnings == []
    assert [(t.from_address, t.to_address, t.value, t.position) for t in transfers] == [
        (ROOT, CREATED, 7, "trace:0"),
        (CREATED, EOA, 2, "trace:0_0"),
    ]


def test_delegate_call_spends_the_callers_balance() -> None:
    logs = [
        _call(1, OTHER, 0, "DELEGATECALL"),
        _call(2, EOA, 4),
        _result(2, 1),
        _step(2, "STOP"),
        _result(1, 1),
        _call(1, OTHER, 0, "STATICCALL"),
        _result(1, 1, "STOP"),
    ]
    transfers, _ = parse_struct_logs({"structLogs": logs}, TX)
    assert [(t.from_address, t.to_address, t.value, t.position) for t in transfers] == [
        (ROOT, EOA, 4, "trace:0_0")
    ]


def test_self_destruct_is_warned_not_guessed_and_reverted_tx_moves_nothing() -> None:
    logs = [{"depth": 1, "op": "SELFDESTRUCT", "stack": [_word(EOA)]}]
    transfers, warnings = parse_struct_logs({"structLogs": logs}, TX)
    assert transfers == [] and "self-destruct" in warnings[0].message
    reverted = AccountTransaction("ethereum", TX.txid, TX.from_address, ROOT, 0, status=0)
    assert parse_struct_logs({"structLogs": [_call(1, EOA, 9), _result(1, 1)]}, reverted) == (
        [],
        [],
    )


def test_impossible_depth_skips_the_transaction_with_a_warning() -> None:
    transfers, warnings = parse_struct_logs({"structLogs": [_step(3, "STOP")]}, TX)
    assert transfers == [] and warnings[0].code is WarningCode.MALFORMED
    transfers, warnings = parse_struct_logs({"gas": 1}, TX)
    assert transfers == [] and warnings[0].code is WarningCode.MALFORMED


_ops = st.sampled_from(
    ["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2", "STOP", "REVERT"]
    + ["SELFDESTRUCT", "POP", "RETURN"]
)
_words = st.one_of(
    st.integers(min_value=0, max_value=2**256 - 1).map(_word), st.text(max_size=8), st.none()
)
_steps = st.fixed_dictionaries(
    {"depth": st.one_of(st.integers(0, 5), st.none()), "op": _ops},
    optional={"stack": st.lists(_words, max_size=5)},
)


@given(st.lists(_steps, max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_struct_logs_give_transfers_or_warnings_never_a_crash(logs: list[object]) -> None:
    transfers, _ = parse_struct_logs({"structLogs": logs}, TX)
    positions = [t.position for t in transfers]
    assert len(positions) == len(set(positions))
    assert all(t.value > 0 for t in transfers)
