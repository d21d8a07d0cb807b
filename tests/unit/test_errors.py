from pathlib import Path

from caldicott.errors import CATALOGUE, CaldicottError, NotFound, exit_code_for

DOCS = Path(__file__).parents[2] / "docs" / "errors.md"


def test_exit_codes_are_stable_and_distinct() -> None:
    codes = [cls.kind.exit_code for cls in CATALOGUE]
    assert len(codes) == len(set(codes))
    assert 0 not in codes
    assert exit_code_for(NotFound("x")) == 4
    assert exit_code_for(ValueError("x")) == 1
    assert exit_code_for(KeyboardInterrupt()) == 130


def test_every_error_is_documented() -> None:
    text = DOCS.read_text()
    for cls in CATALOGUE:
        row = f"| {cls.kind.exit_code} | `{cls.kind.slug}` |"
        assert row in text, f"docs/errors.md lacks the row for {cls.__name__}: {row}"


def test_problem_document_shape() -> None:
    doc = NotFound("no agreement AG-1", id="AG-1").problem()
    assert doc["status"] == 404
    assert doc["type"].endswith("/not-found")
    assert doc["detail"] == "no agreement AG-1"
    assert doc["extra"] == {"id": "AG-1"}
    assert CaldicottError("x").problem()["status"] == 500
