"""Typed, frozen records validated from a YAML file's data: what the topology
file's schema (nslab.spec.schema) is written with. Pure; the standard library
only.

The schema's classes read as pydantic's do (annotations, `Field`,
`field_validator`, `model_validator`, `ConfigDict`), and the errors carry
pydantic's locations, kinds and wording, but this is the small part of it that
the file needs: importing pydantic and building its schema cost every command
that reads a file ~250 ms, several times Python's own start (issue 27).

What a class may declare:
- fields `name: TYPE` (required), `= default`, or `= Field(default, alias=,
  ge=, gt=, le=, lt=, pattern=, min_length=, max_length=)`; TYPE is str, int,
  float, bool, None, Any, Literal[...], list[T], dict[K, V], a record class,
  `T | U` and `Annotated[T, Field(...)]`;
- `field_validator(*names, mode="after"|"before")` on a classmethod (cls, v)
  or (cls, v, info), or a plain function (v) or (v, info); `info.data` holds
  the fields validated before it;
- `model_validator(mode="after")` on a method returning self;
- `model_config = ConfigDict(populate_by_name=True)`: a field with an alias
  takes its own name too.

Validation is pydantic's lax mode where a YAML file meets it: an int field
takes 5.0 and "5", a float field 5 and "5", a bool field yes/no/on/off/1/0;
a union takes the member its value is exactly first (smart mode); every error
is collected, not the first only.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "MISSING"})()
_BAD: Any = type("_Bad", (), {})()  # a value that failed; its errors are recorded

Loc = tuple[str | int, ...]
Errors = list[dict[str, Any]]
Check = Callable[[Any, Loc, Errors], Any]  # the value, checked and converted, or _BAD


class FieldInfo:
    """A field's default, alias and constraints (what `Field(...)` says)."""

    __slots__ = ("alias", "default", "ge", "gt", "le", "lt", "max_length", "min_length",
                 "pattern")

    def __init__(self, default: Any = _MISSING, *, alias: str | None = None,
                 ge: float | None = None, gt: float | None = None,
                 le: float | None = None, lt: float | None = None,
                 pattern: str | None = None, min_length: int | None = None,
                 max_length: int | None = None) -> None:
        self.default = default
        self.alias = alias
        self.ge, self.gt, self.le, self.lt = ge, gt, le, lt
        self.pattern = pattern
        self.min_length, self.max_length = min_length, max_length

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def constrains(self) -> bool:
        return any(getattr(self, k) is not None for k in
                   ("ge", "gt", "le", "lt", "pattern", "min_length", "max_length"))


def Field(default: Any = _MISSING, **kw: Any) -> Any:
    return FieldInfo(default, **kw)


def ConfigDict(**kw: Any) -> dict[str, Any]:
    return dict(kw)


class ValidationInfo:
    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


class ValidationError(ValueError):
    """Every problem found in the data: `errors()` gives each as
    {loc, msg, type}, as pydantic's does."""

    def __init__(self, title: str, errors: Errors) -> None:
        self.title = title
        self._errors = errors
        first = errors[0] if errors else {"loc": (), "msg": "invalid"}
        super().__init__(f"{len(errors)} validation error(s) for {title}: "
                         f"{'.'.join(map(str, first['loc']))}: {first['msg']}")

    def errors(self) -> Errors:
        return list(self._errors)


class _Validator:
    """What `field_validator`/`model_validator` left in a class body."""

    def __init__(self, func: Any, fields: tuple[str, ...], mode: str, model: bool) -> None:
        self.func, self.fields, self.mode, self.model = func, fields, mode, model

    def call(self, cls: type, v: Any, info: ValidationInfo) -> Any:
        f = self.func
        if isinstance(f, classmethod):
            fn = f.__func__
            return fn(cls, v, info) if fn.__code__.co_argcount == 3 else fn(cls, v)
        return f(v, info) if f.__code__.co_argcount == 2 else f(v)


def field_validator(*fields: str, mode: Literal["before", "after"] = "after"
                    ) -> Callable[[Any], Any]:
    def mark(func: Any) -> Any:
        return _Validator(func, fields, mode, model=False)
    return mark


def model_validator(*, mode: Literal["after"] = "after") -> Callable[[Any], Any]:
    def mark(func: Any) -> Any:
        return _Validator(func, (), mode, model=True)
    return mark


def _fail(errors: Errors, loc: Loc, kind: str, msg: str) -> Any:
    errors.append({"loc": loc, "msg": msg, "type": kind})
    return _BAD


# -- the checks of single types ----------------------------------------------

def _str(v: Any, loc: Loc, errors: Errors) -> Any:
    return v if isinstance(v, str) else _fail(errors, loc, "string_type",
                                             "Input should be a valid string")


def _int(v: Any, loc: Loc, errors: Errors) -> Any:
    t = type(v)
    if t is int:
        return v
    if t is float:
        if v.is_integer():
            return int(v)
        return _fail(errors, loc, "int_from_float", "Input should be a valid integer, got a "
                     "number with a fractional part")
    if t is str:
        return _parsed(int, v, loc, errors, "int_parsing", "a valid integer, unable to parse "
                       "string as an integer")
    return _fail(errors, loc, "int_type", "Input should be a valid integer")


def _float(v: Any, loc: Loc, errors: Errors) -> Any:
    t = type(v)
    if t is float or t is int:
        return float(v)
    if t is str:
        return _parsed(float, v, loc, errors, "float_parsing", "a valid number, unable to "
                       "parse string as a number")
    return _fail(errors, loc, "float_type", "Input should be a valid number")


def _parsed(kind: Callable[[str], Any], v: str, loc: Loc, errors: Errors, code: str,
            should: str) -> Any:
    """A number written as a string ("5", "1.5"), or the error."""
    try:
        return kind(v.strip())
    except ValueError:
        return _fail(errors, loc, code, f"Input should be {should}")


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def _bool(v: Any, loc: Loc, errors: Errors) -> Any:
    t = type(v)
    if t is bool:
        return v
    if t is int and v in (0, 1):
        return bool(v)
    if t is str:
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        return _fail(errors, loc, "bool_parsing", "Input should be a valid boolean, unable "
                     "to interpret input")
    return _fail(errors, loc, "bool_type", "Input should be a valid boolean")


def _none(v: Any, loc: Loc, errors: Errors) -> Any:
    return None if v is None else _fail(errors, loc, "none_required", "Input should be None")


def _any(v: Any, loc: Loc, errors: Errors) -> Any:
    return v


def _exact(tp: Any) -> Callable[[Any], bool]:
    """Whether a value is exactly of `tp` (a union's first choice)."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        lits = typing.get_args(tp)
        return lambda v: any(v == x and type(v) is type(x) for x in lits)
    if origin is typing.Annotated:
        return _exact(typing.get_args(tp)[0])
    if isinstance(tp, type) and issubclass(tp, Strict):
        return lambda v: isinstance(v, dict | tp)
    want = {str: str, int: int, float: float, bool: bool, type(None): type(None),
            list: list, dict: dict}.get(origin or tp)
    if want is None:
        return lambda v: False
    return lambda v: type(v) is want


def _literal(values: tuple[Any, ...]) -> Check:
    said = [repr(x) for x in values]
    msg = "Input should be " + (said[0] if len(said) == 1 else
                                f"{', '.join(said[:-1])} or {said[-1]}")

    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        for x in values:
            if v == x and type(v) is type(x):
                return x
        return _fail(errors, loc, "literal_error", msg)
    return check


def _list(item: Check) -> Check:
    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(v, list | tuple):
            return _fail(errors, loc, "list_type", "Input should be a valid list")
        n = len(errors)
        out = [item(x, (*loc, i), errors) for i, x in enumerate(v)]
        return out if len(errors) == n else _BAD
    return check


def _dict(key: Check, value: Check) -> Check:
    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(v, dict):
            return _fail(errors, loc, "dict_type", "Input should be a valid dictionary")
        n = len(errors)
        out = {key(k, (*loc, k, "[key]"), errors): value(x, (*loc, k), errors)
               for k, x in v.items()}
        return out if len(errors) == n else _BAD
    return check


def _nullable(inner: Check) -> Check:
    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        return None if v is None else inner(v, loc, errors)
    return check


def _union(members: list[tuple[Callable[[Any], bool], Check]]) -> Check:
    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        for exact, member in members:
            if exact(v):
                return member(v, loc, errors)
        tried: list[Errors] = []
        for _, member in members:
            own: Errors = []
            out = member(v, loc, own)
            if out is not _BAD:
                return out
            tried.append(own)
        deep = [e for e in tried if any(len(x["loc"]) > len(loc) for x in e)]
        if deep:  # the member the value was meant for: its own errors
            errors.extend(deep[0])
            return _BAD
        said = [x["msg"] for e in tried for x in e]
        said = [m if i == 0 else m.removeprefix("Input should be ")
                for i, m in enumerate(dict.fromkeys(said))]
        return _fail(errors, loc, tried[0][0]["type"], " or ".join(said))
    return check


def _constrained(inner: Check, f: FieldInfo) -> Check:
    """`inner`, then the bounds, lengths and pattern `f` gives."""
    bounds: list[tuple[Callable[[Any], bool], str, str]] = []
    if f.ge is not None:
        ge = f.ge
        bounds.append((lambda v: v >= ge, "greater_than_equal",
                       f"Input should be greater than or equal to {ge}"))
    if f.gt is not None:
        gt = f.gt
        bounds.append((lambda v: v > gt, "greater_than", f"Input should be greater than {gt}"))
    if f.le is not None:
        le = f.le
        bounds.append((lambda v: v <= le, "less_than_equal",
                       f"Input should be less than or equal to {le}"))
    if f.lt is not None:
        lt = f.lt
        bounds.append((lambda v: v < lt, "less_than", f"Input should be less than {lt}"))
    pattern = re.compile(f.pattern) if f.pattern is not None else None
    least, most = f.min_length, f.max_length

    def check(v: Any, loc: Loc, errors: Errors) -> Any:
        v = inner(v, loc, errors)
        if v is _BAD:
            return v
        for ok, kind, msg in bounds:
            if not ok(v):
                return _fail(errors, loc, kind, msg)
        if pattern is not None and not pattern.search(v):
            return _fail(errors, loc, "string_pattern_mismatch",
                         f"String should match pattern '{pattern.pattern}'")
        if least is not None or most is not None:
            what, unit = ("String", "character") if isinstance(v, str) else ("List", "item")
            after = "" if isinstance(v, str) else " after validation"
            if least is not None and len(v) < least:
                return _fail(errors, loc, "too_short", f"{what} should have at least {least} "
                             f"{unit}{'s' if least != 1 else ''}{after}, not {len(v)}")
            if most is not None and len(v) > most:
                return _fail(errors, loc, "too_long", f"{what} should have at most {most} "
                             f"{unit}{'s' if most != 1 else ''}{after}, not {len(v)}")
        return v
    return check


_SIMPLE: dict[Any, Check] = {str: _str, int: _int, float: _float, bool: _bool,
                             type(None): _none, Any: _any, object: _any}


def _check_of(tp: Any, f: FieldInfo | None = None) -> Check:
    """The check of a type; `f`'s constraints go on the value that is not None."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        inner = _check_of(args[0])
        for meta in args[1:]:
            if isinstance(meta, FieldInfo) and meta.constrains():
                inner = _constrained(inner, meta)
        return _constrained(inner, f) if f is not None and f.constrains() else inner
    if origin in (typing.Union, _UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) < len(args):  # nullable: the constraints go inside
            inner = _check_of(rest[0], f) if len(rest) == 1 else \
                _constrain_opt(_union([(_exact(a), _check_of(a)) for a in rest]), f)
            return _nullable(inner)
        return _constrain_opt(_union([(_exact(a), _check_of(a)) for a in args]), f)
    if origin is Literal:
        check = _literal(args)
    elif origin is list:
        check = _list(_check_of(args[0]) if args else _any)
    elif origin is dict:
        check = _dict(_check_of(args[0]), _check_of(args[1])) if args else _dict(_any, _any)
    elif isinstance(tp, type) and issubclass(tp, Strict):
        check = tp._field_check
    elif tp in _SIMPLE:
        check = _SIMPLE[tp]
    else:
        raise TypeError(f"nslab.spec.typed has no check for {tp!r}")
    return _constrain_opt(check, f)


def _constrain_opt(check: Check, f: FieldInfo | None) -> Check:
    return _constrained(check, f) if f is not None and f.constrains() else check


_UnionType = type(int | str)
_R = typing.TypeVar("_R", bound="Strict")


class _Plan:
    """A record class's fields, ready to validate with."""

    __slots__ = ("after", "before", "by_key", "cls", "defaults", "fields", "keys",
                 "model_after", "required")

    def __init__(self, cls: type[Strict]) -> None:
        hints = typing.get_type_hints(cls, include_extras=True)
        by_name = cls.model_config.get("populate_by_name", False)
        self.cls = cls
        self.fields: dict[str, Check] = {}
        self.keys: list[tuple[str, str, str | None]] = []  # field, its key, its name too
        self.by_key: set[str] = set()  # the keys the file may use
        self.defaults: list[tuple[str, Any]] = []
        self.required: dict[str, str] = {}  # field -> the key it is asked by
        for name, f in cls.model_fields.items():
            self.fields[name] = _check_of(hints[name], f)
            key = f.alias or name
            also = name if f.alias and by_name else None
            self.keys.append((name, key, also))
            self.by_key.update(k for k in (key, also) if k)
            if f.required:
                self.required[name] = key
            else:
                self.defaults.append((name, f.default))
        validators = [v for k in reversed(cls.__mro__) for v in vars(k).values()
                      if isinstance(v, _Validator)]
        self.before: dict[str, list[_Validator]] = {}
        self.after: dict[str, list[_Validator]] = {}
        for v in validators:
            for name in v.fields:
                if name not in self.fields:
                    raise TypeError(f"{cls.__name__}: a validator of '{name}', not a field")
                (self.before if v.mode == "before" else self.after).setdefault(
                    name, []).append(v)
        self.model_after = [v for v in validators if v.model]

    def validate(self, data: dict[Any, Any], loc: Loc, errors: Errors) -> Any:
        n = len(errors)
        for key in data:
            if not isinstance(key, str) or key not in self.by_key:
                _fail(errors, (*loc, key), "extra_forbidden", "Extra inputs are not permitted")
        values: dict[str, Any] = {}
        given: set[str] = set()
        for name, key, also in self.keys:
            if key not in data:
                if also is None or also not in data:
                    continue
                key = also
            given.add(name)
            v = self.field(name, data[key], (*loc, key), values, errors)
            if v is not _BAD:
                values[name] = v
        for name, key in self.required.items():
            if name not in given:
                _fail(errors, (*loc, key), "missing", "Field required")
        if len(errors) > n:
            return _BAD
        for name, default in self.defaults:
            if name not in given:
                t = type(default)
                values[name] = list(default) if t is list else \
                    dict(default) if t is dict else default
        obj = object.__new__(self.cls)
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "_given", frozenset(given))
        for mv in self.model_after:
            try:
                obj = mv.func(obj)
            except ValueError as e:
                return _fail(errors, loc, "value_error", str(e))
        return obj

    def field(self, name: str, v: Any, at: Loc, values: dict[str, Any], errors: Errors
              ) -> Any:
        """One field's value: its before-validators, its type, its after-validators."""
        cls = self.cls
        try:
            for fv in self.before.get(name, ()):
                v = fv.call(cls, v, ValidationInfo(values))
            v = self.fields[name](v, at, errors)
            if v is _BAD:
                return v
            for fv in self.after.get(name, ()):
                v = fv.call(cls, v, ValidationInfo(values))
        except ValueError as e:
            return _fail(errors, at, "value_error", str(e))
        return v


class Strict:
    """A record of the file: unknown keys are errors, values frozen."""

    __slots__ = ("__dict__", "_given")
    _given: frozenset[str]  # the fields the data gave
    model_config: ClassVar[dict[str, Any]] = {}
    model_fields: ClassVar[dict[str, FieldInfo]] = {}
    _plan: ClassVar[_Plan | None] = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        fields: dict[str, FieldInfo] = {}
        for k in reversed(cls.__mro__):
            for name in vars(k).get("__annotations__", {}):
                if name.startswith("_") or name in ("model_config", "model_fields"):
                    continue
                given = vars(k).get(name, _MISSING)
                fields[name] = given if isinstance(given, FieldInfo) else FieldInfo(given)
        cls.model_fields = fields
        cls._plan = None

    def __init__(self, **data: Any) -> None:
        errors: Errors = []
        done = type(self)._validated(data, (), errors)
        if errors:
            raise ValidationError(type(self).__name__, errors)
        object.__setattr__(self, "__dict__", done.__dict__)
        object.__setattr__(self, "_given", done._given)

    # -- validation ----------------------------------------------------------

    @classmethod
    def model_validate(cls: type[_R], data: Any) -> _R:
        errors: Errors = []
        out: _R = cls._field_check(data, (), errors)
        if errors:
            raise ValidationError(cls.__name__, errors)
        return out

    @classmethod
    def _field_check(cls, v: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(v, cls):
            return v
        if not isinstance(v, dict):
            return _fail(errors, loc, "model_type", "Input should be a valid dictionary or "
                         f"instance of {cls.__name__}")
        return cls._validated(v, loc, errors)

    @classmethod
    def _validated(cls, data: dict[Any, Any], loc: Loc, errors: Errors) -> Any:
        plan = cls._plan
        if plan is None:
            plan = cls._plan = _Plan(cls)
        return plan.validate(data, loc, errors)

    # -- a record's behaviour ------------------------------------------------

    @classmethod
    def model_construct(cls: type[_R], **values: Any) -> _R:
        """A record of these values, not validated (the rest at their defaults)."""
        obj = object.__new__(cls)
        full = {name: values.get(name, f.default) for name, f in cls.model_fields.items()}
        object.__setattr__(obj, "__dict__", full)
        object.__setattr__(obj, "_given", frozenset(values))
        return obj

    @property
    def model_fields_set(self) -> frozenset[str]:
        given: frozenset[str] = self._given
        return given

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(f"{type(self).__name__} is frozen: '{name}' cannot be set")

    def __getstate__(self) -> tuple[dict[str, Any], frozenset[str]]:
        return self.__dict__, self._given

    def __setstate__(self, state: tuple[dict[str, Any], frozenset[str]]) -> None:
        object.__setattr__(self, "__dict__", dict(state[0]))
        object.__setattr__(self, "_given", state[1])

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is frozen: '{name}' cannot be deleted")

    def _values(self) -> tuple[Any, ...]:
        d = self.__dict__
        return tuple(d[k] for k in type(self).model_fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and \
            self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        d = self.__dict__
        return f"{type(self).__name__}(" + ", ".join(
            f"{k}={d[k]!r}" for k in type(self).model_fields) + ")"
