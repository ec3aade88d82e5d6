"""nslab.spec.typed: the records the topology file is validated into (what
pydantic did before issue 27): types, lax forms a YAML file meets, unions,
constraints, validators, every error collected with its location, frozen
records. The whole file's behaviour is in the golden error files; these are
the validator's own rules, each on a record made for it."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from typing import Annotated, Any, Literal

import pytest

from nslab.spec.typed import (
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from nslab.spec.typed_schema import json_schema


class Inner(Strict):
    """An inner record."""

    a: int
    b: str = "x"


class Outer(Strict):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(pattern=r"^[a-z]{1,5}$")
    count: int = Field(default=1, ge=1, le=10)
    ratio: float = 0.5
    on: bool = False
    mode: Literal["l3", "l4", 7] | None = None
    inner: Inner | None = None
    many: list[Inner] = []
    table: dict[str, int] = {}
    either: int | str | None = None
    pair: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    auto: Annotated[float, Field(ge=0, le=600)] | Literal["auto"] = 0.0
    from_: str | None = Field(default=None, alias="from")
    anything: Any = None


def errors(data: dict[str, Any], cls: type[Strict] = Outer) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as e:
        cls.model_validate(data)
    return [(tuple(x["loc"]), x["msg"]) for x in e.value.errors()]


def test_values_of_each_type_and_defaults() -> None:
    o = Outer.model_validate({"name": "abc", "count": 3, "ratio": 2, "on": True, "mode": 7,
                              "inner": {"a": 1}, "many": [{"a": 2, "b": "y"}],
                              "table": {"k": 4}, "either": "s", "pair": ["p", "q"],
                              "auto": "auto", "from": "h1", "anything": [1, {"x": None}]})
    assert (o.name, o.count, o.ratio, o.on, o.mode) == ("abc", 3, 2.0, True, 7)
    assert type(o.ratio) is float
    assert o.inner == Inner(a=1, b="x")
    assert o.many[0].b == "y" and o.table == {"k": 4} and o.either == "s"
    assert o.pair == ["p", "q"] and o.auto == "auto" and o.from_ == "h1"
    assert o.anything == [1, {"x": None}]
    d = Outer.model_validate({"name": "z"})
    assert (d.count, d.ratio, d.on, d.mode, d.inner, d.many, d.auto) == \
        (1, 0.5, False, None, None, [], 0.0)
    assert d.model_fields_set == frozenset({"name"})
    assert o.model_fields_set >= {"from_", "count"}


def test_mutable_defaults_are_not_shared() -> None:
    a, b = Outer.model_validate({"name": "a"}), Outer.model_validate({"name": "b"})
    assert a.many == [] and a.many is not b.many and a.table is not b.table


def test_lax_forms_a_yaml_file_meets() -> None:
    o = Outer.model_validate({"name": "a", "count": "4", "ratio": "1.5", "on": "yes"})
    assert (o.count, o.ratio, o.on) == (4, 1.5, True)
    assert Outer.model_validate({"name": "a", "count": 5.0}).count == 5
    assert Outer.model_validate({"name": "a", "on": "off"}).on is False
    assert Outer.model_validate({"name": "a", "from_": "by name"}).from_ == "by name"


def test_a_union_takes_the_member_its_value_is_exactly() -> None:
    assert Outer.model_validate({"name": "a", "either": 5}).either == 5
    assert Outer.model_validate({"name": "a", "either": "5"}).either == "5"
    assert Outer.model_validate({"name": "a", "auto": 7}).auto == 7.0


def test_every_error_is_collected_with_its_location() -> None:
    got = errors({"count": 0, "ratio": "fast", "on": "maybe", "mode": "l5",
                  "inner": {"b": 3}, "many": [{"a": 1}, {"a": "x", "c": 1}],
                  "table": {"k": "v"}, "pair": ["one"], "auto": 700, "bogus": 1})
    assert got == [
        (("bogus",), "Extra inputs are not permitted"),
        (("count",), "Input should be greater than or equal to 1"),
        (("ratio",), "Input should be a valid number, unable to parse string as a number"),
        (("on",), "Input should be a valid boolean, unable to interpret input"),
        (("mode",), "Input should be 'l3', 'l4' or 7"),
        (("inner", "b"), "Input should be a valid string"),
        (("inner", "a"), "Field required"),
        (("many", 1, "c"), "Extra inputs are not permitted"),
        (("many", 1, "a"), "Input should be a valid integer, unable to parse string as an "
                           "integer"),
        (("table", "k"), "Input should be a valid integer, unable to parse string as an "
                         "integer"),
        (("pair",), "List should have at least 2 items after validation, not 1"),
        (("auto",), "Input should be less than or equal to 600 or 'auto'"),
        (("name",), "Field required"),
    ]


def test_type_errors_say_what_was_expected() -> None:
    got = dict(errors({"name": "toolong", "count": 2.5, "inner": [1], "many": {}, "on": 2,
                       "table": [], "either": [1]}))
    assert got[("name",)] == "String should match pattern '^[a-z]{1,5}$'"
    assert got[("count",)] == ("Input should be a valid integer, got a number with a "
                               "fractional part")
    assert got[("inner",)] == "Input should be a valid dictionary or instance of Inner"
    assert got[("many",)] == "Input should be a valid list"
    assert got[("on",)] == "Input should be a valid boolean"
    assert got[("table",)] == "Input should be a valid dictionary"
    assert got[("either",)] == "Input should be a valid integer or a valid string"


class Checked(Strict):
    low: int = 0
    high: int = 0
    when: float | None = None
    tags: list[str] = []

    @field_validator("when", mode="before")
    @classmethod
    def _seconds(cls, v: Any) -> Any:
        return float(v.removesuffix("s")) if isinstance(v, str) else v

    @field_validator("high")
    @classmethod
    def _order(cls, v: int, info: ValidationInfo) -> int:
        if v < info.data.get("low", 0):
            raise ValueError("high is below low")
        return v

    _tags = field_validator("tags")(classmethod(lambda _cls, v: [t.lower() for t in v]))

    @model_validator(mode="after")
    def _shape(self) -> Checked:
        if self.low == 13:
            raise ValueError("13 is unlucky")
        return self


class Sub(Checked):
    extra: bool = False


def test_validators_before_after_and_of_the_record() -> None:
    c = Checked.model_validate({"low": 1, "high": 2, "when": "5s", "tags": ["A"]})
    assert (c.when, c.tags) == (5.0, ["a"])
    assert errors({"low": 5, "high": 2}, Checked) == [(("high",), "high is below low")]
    assert errors({"low": 13}, Checked) == [((), "13 is unlucky")]
    # the record's own check runs only when its fields are right
    assert errors({"low": 13, "high": "x"}, Checked) == [
        (("high",), "Input should be a valid integer, unable to parse string as an integer")]
    # a subclass keeps its parent's fields (first) and validators
    assert list(Sub.model_fields) == ["low", "high", "when", "tags", "extra"]
    assert errors({"low": 13, "extra": True}, Sub) == [((), "13 is unlucky")]


def test_records_are_frozen_values() -> None:
    a = Inner(a=1)
    with pytest.raises(TypeError, match="frozen"):
        a.a = 2
    assert a == Inner.model_validate({"a": 1, "b": "x"}) and a != Inner(a=2)
    assert hash(a) == hash(Inner(a=1))
    assert copy.deepcopy(a) == a and pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a).model_fields_set == {"a"}
    assert repr(a) == "Inner(a=1, b='x')"
    m = Inner.model_construct(a=9)
    assert (m.a, m.b, m.model_fields_set) == (9, "x", frozenset({"a"}))
    with pytest.raises(ValidationError, match="Field required"):
        Inner()


def test_the_json_schema_of_a_record() -> None:
    s = json_schema(Outer)
    props = s["properties"]
    assert s["required"] == ["name"] and s["additionalProperties"] is False
    assert props["count"] == {"default": 1, "maximum": 10, "minimum": 1, "title": "Count",
                              "type": "integer"}
    assert props["mode"]["anyOf"] == [{"enum": ["l3", "l4", 7]}, {"type": "null"}]
    assert props["inner"] == {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}],
                              "default": None}
    assert props["from"]["title"] == "From"
    assert props["pair"]["anyOf"][0] == {"items": {"type": "string"}, "maxItems": 2,
                                         "minItems": 2, "type": "array"}
    assert s["$defs"]["Inner"]["description"] == "An inner record."


def test_reading_a_file_does_not_import_pydantic() -> None:
    """The point of the module: a command that reads a file starts fast."""
    code = ("import sys; from nslab.model.compile import compile_file; "
            "compile_file('examples/demo.yaml'); print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
