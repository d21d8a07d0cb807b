"""Strict JSON: each kind of bad bytes gets its own reason, and good records pass."""

import orjson
import pytest

from caldicott.ingest.parse import MAX_DEPTH, parse_record, too_deep


def code_of(raw: bytes) -> str | None:
    obj, problem = parse_record(raw)
    assert (obj is None) == (problem is not None)
    return problem.code if problem else None


def test_a_good_record_parses() -> None:
    obj, problem = parse_record(b'{"resourceType":"Patient","id":"a"}')
    assert problem is None and obj == {"resourceType": "Patient", "id": "a"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a":', "malformed-json"),
        (b"[1,2]", "malformed-json"),
        (b'"text"', "malformed-json"),
        (b'{"a":"\xff\xfe"}', "invalid-utf8"),
        (b'{"a":"\xed\xa0\x80"}', "invalid-utf8"),
        (b'{"a":NaN}', "not-a-number"),
        (b'{"a":-Infinity}', "not-a-number"),
        (b'{"a":1e999}', "not-a-number"),
        (b'{"a":1,"a":2}', "duplicate-key"),
        (b'{"a":{"b":1,"b":1}}', "duplicate-key"),
        (b'{"a" :1,"a" :2}', "duplicate-key"),
        # the kept value's escaped colon makes up for the dropped key's colon
        (b'{"a":1,"a":"\\u003a"}', "duplicate-key"),
        (b'{"a":{"b":1},"a":{"b":1}}', "duplicate-key"),
    ],
)
def test_bad_bytes_have_their_reason(raw: bytes, code: str) -> None:
    assert code_of(raw) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"resourceType":"Patient","id":"\xff"}', "bytes are not valid UTF-8 (at byte 32)"),
        (b'{"a":"\\ud800"}', "a \\u escape encodes no character (a lone surrogate)"),
        (b'\xef\xbb\xbf{"a":1}', "starts with a byte order mark (BOM): save without it"),
    ],
)
def test_encoding_problems_say_what_and_where(raw: bytes, message: str) -> None:
    _obj, problem = parse_record(raw)
    assert problem is not None and problem.message == message


def test_strings_that_look_like_keys_are_not_duplicates() -> None:
    raw = orjson.dumps({"a": 'x": 1, "a', "b": ['":', '":']})
    assert code_of(raw) is None
    assert code_of(b'{"a" : 1, "b" : 2}') is None


def test_a_record_written_compactly_is_proved_free_of_repeated_keys() -> None:
    raw = orjson.dumps({"resourceType": "Patient", "id": "a", "name": [{"given": ["A:B"]}]})
    assert orjson.dumps(orjson.loads(raw)) == raw and code_of(raw) is None
    assert code_of(raw.replace(b'"id":"a"', b'"id":"a","id":"a"')) == "duplicate-key"


def test_nesting_limit() -> None:
    ok = b'{"a":' + b"[" * (MAX_DEPTH - 2) + b"]" * (MAX_DEPTH - 2) + b"}"
    assert code_of(ok) is None
    deep = b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert code_of(deep) == "too-deeply-nested"


def test_the_depth_can_be_left_to_the_caller_up_to_orjsons_own_limit() -> None:
    deeper = b'{"a":' + b"[" * 100 + b"]" * 100 + b"}"
    assert code_of(deeper) == "too-deeply-nested"
    obj, problem = parse_record(deeper, nesting=False)
    assert problem is None and obj is not None and too_deep(deeper, obj)
    deepest = b'{"a":' + b"[" * 300 + b"]" * 300 + b"}"
    _obj, problem = parse_record(deepest, nesting=False)
    assert problem is not None and problem.code == "too-deeply-nested"
    # a repeated key in a record too deep: refused for the depth, as when it is checked first
    dup = b'{"a":1,"a":' + b"[" * 100 + b"]" * 100 + b"}"
    _obj, problem = parse_record(dup, nesting=False)
    assert problem is not None and problem.code == "too-deeply-nested"
    assert not too_deep(b'{"a":[[]]}', orjson.loads(b'{"a":[[]]}'))


def test_record_size_limit() -> None:
    assert code_of(b'{"a":"' + b"x" * 100 + b'"}') is None
    _obj, problem = parse_record(b'{"a":"' + b"x" * 100 + b'"}', limit=50)
    assert problem is not None and problem.code == "line-too-long"
