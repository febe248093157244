"""The stored events' codec: writing an event's payload as the JSON the store keeps and hashes,
and rebuilding an event from the JSON read back from our own store without re-validating it.

Both are generic over pydantic models and know nothing of events: `pmo_kernel.events` (the
event model) calls them, tests/kernel/test_payload_encoding.py and test_trusted_decoding.py
prove them byte-for-byte and value-for-value equal to pydantic's own dump and validation.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import orjson
from pydantic import AwareDatetime, BaseModel, functional_serializers, functional_validators
from pydantic.fields import FieldInfo
from pydantic_core import SchemaValidator, core_schema

M = TypeVar("M", bound=BaseModel)


def mentions(annotation: Any, wanted: Callable[[Any], bool], seen: set[type] | None = None) -> bool:
    """Whether `wanted` holds for `annotation`, one of its type arguments or, through the
    fields of a model it names, any type nested in it (each model visited once: models may
    refer to themselves)."""
    if wanted(annotation):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        seen = set() if seen is None else seen
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(mentions(f.annotation, wanted, seen) for f in annotation.model_fields.values())
    return any(mentions(arg, wanted, seen) for arg in typing.get_args(annotation))


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# -- rebuilding events read back from our own store ------------------------------------------
#
# Why skipping validation is sound there: `EventStore.append` only writes `event.payload()`,
# the `model_dump(mode="json")` of an instance pydantic validated when it was built; the hash
# chain covers that JSON. Validators only accept or normalise input, and the dump is already
# their normalised output, so validating it again can only return the same values. What is left
# is turning JSON values back into Python ones (ISO strings into datetimes, strings into
# Decimals and enums, dicts into the nested models), which the builders below do with plain
# conversions. The builder is compiled once per class and refused (None: always validate) for
# anything where the dump is not the plain form of the value: custom serialisers, plain or
# wrap validators, "before" model validators, aliases, post-init hooks, private attributes,
# unions of several types, or a type it does not know. At run time any surprise in the JSON
# (a missing or unknown field, an unexpected JSON type, a value that does not convert) raises
# and the caller validates fully instead. tests/kernel/test_trusted_decoding.py proves that
# every registered event of every service decodes equal to full validation.


def stored_decoder(
    cls: type[M], build: Callable[[Any], BaseModel] | None
) -> Callable[[str | bytes], M]:
    """decode_stored for the current version of one class: the trusted builder, falling back
    to full validation (what `model_validate_json` calls, without its wrapper)."""
    validate: Callable[[str | bytes], M] = cls.__pydantic_validator__.validate_json
    if build is None:
        return validate
    loads = orjson.loads

    def decode(payload: str | bytes) -> M:
        try:
            return build(loads(payload))  # type: ignore[return-value]
        except _NOT_AS_DUMPED:
            return validate(payload)

    return decode


class _NotAsDumped(Exception):
    """The JSON is not what the class's dump looks like: validate it fully instead."""


_NOT_AS_DUMPED = (_NotAsDumped, ValueError, TypeError, ArithmeticError, KeyError)
UNCOMPILED: Any = object()  # a registry's mark: no builder tried yet (None: refused)

Convert = Callable[[Any], Any]

_REFUSED_METADATA = (
    functional_validators.PlainValidator,
    functional_validators.WrapValidator,
    functional_serializers.PlainSerializer,
    functional_serializers.WrapSerializer,
)


def trusted_builder(cls: type[BaseModel]) -> Callable[[Any], BaseModel] | None:
    if not any(mentions(f.annotation, _is_model) for f in cls.model_fields.values()):
        # A flat event (strings, numbers, timestamps): pydantic-core parses and validates it
        # from the JSON text as fast as Python could merely rebuild it.
        return None
    try:
        return _model_converter(cls, {})
    except _Refused:
        return None


class _Refused(Exception):
    """A type whose dump is not its plain JSON form: no trusted builder."""


def _model_converter(cls: type[BaseModel], memo: dict[type, Convert]) -> Convert:
    if cls in memo:
        return memo[cls]
    decorators = cls.__pydantic_decorators__
    if (
        cls.__pydantic_root_model__
        or cls.__pydantic_post_init__
        or cls.__private_attributes__
        or cls.model_config.get("extra") == "allow"
        or cls.model_config.get("alias_generator") is not None
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.validators  # pydantic v1 style: modes unknown
        or decorators.root_validators
        or decorators.computed_fields
        or any(d.info.mode in ("plain", "wrap") for d in decorators.field_validators.values())
        or any(d.info.mode in ("before", "wrap") for d in decorators.model_validators.values())
    ):
        raise _Refused(cls.__name__)
    build_ref: list[Convert] = []
    memo[cls] = lambda data: build_ref[0](data)  # recursive models refer to themselves
    converters: list[Convert] = []
    for name, info in cls.model_fields.items():
        if (
            info.alias is not None
            or info.validation_alias is not None
            or info.serialization_alias is not None
        ):
            raise _Refused(f"{cls.__name__}.{name}: alias")
        if info.exclude:
            raise _Refused(f"{cls.__name__}.{name}: left out of dumps")
        _check_metadata(info.metadata)
        converters.append(_converter(info.annotation, memo))
    build = _generated_builder(cls, list(cls.model_fields), converters)
    build_ref.append(build)
    memo[cls] = build
    return build


_INLINE_CHECKS: dict[Any, str] = {}  # filled below: converter -> the type it only checks
# What model_construct sets with object.__setattr__, through the slots' own setters (faster:
# no attribute lookup first). BaseModel declares __dict__ among its slots too.
_SLOT_SETTERS = {
    name: BaseModel.__dict__[name].__set__
    for name in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )
}


def _generated_builder(
    cls: type[BaseModel], names: list[str], converters: list[Convert]
) -> Convert:
    """Straight-line Python for one model: a loop over fields with a call per value costs twice
    as much, as much as pydantic-core's own validation. Every field must be present (a dump has
    them all) and no other key: otherwise KeyError or _NotAsDumped, and full validation."""
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_new": object.__new__,
        "_set_dict": _SLOT_SETTERS["__dict__"],
        "_fields_set": _SLOT_SETTERS["__pydantic_fields_set__"],
        "_extra": _SLOT_SETTERS["__pydantic_extra__"],
        "_private": _SLOT_SETTERS["__pydantic_private__"],
        "_NotAsDumped": _NotAsDumped,
    }
    lines = [
        "def build(d):",
        f"    if type(d) is not dict or len(d) != {len(names)}:",
        "        raise _NotAsDumped",
    ]
    for k, (name, convert) in enumerate(zip(names, converters, strict=True)):
        lines.append(f"    v{k} = d[{name!r}]")
        lines += _emit(f"v{k}", convert, namespace, "    ")
    values = ", ".join(f"{name!r}: v{k}" for k, name in enumerate(names))
    if cls.model_config.get("frozen"):
        # Every field is set (the dump has them all, checked above), so the set is always the
        # same: frozen models share one. Nothing adds to a frozen model's fields set
        # (__setattr__ refuses first; model_copy and copy work on a copy of it).
        namespace["_all_fields"] = set(names)
        fields_set = "_all_fields"
    else:
        fields_set = "set(d)"
    lines += [
        "    m = _new(_cls)",
        f"    _set_dict(m, {{{values}}})",
        f"    _fields_set(m, {fields_set})",
        "    _extra(m, None)",
        "    _private(m, None)",
        "    return m",
    ]
    exec("\n".join(lines), namespace)
    build: Convert = namespace["build"]
    return build


def _emit(var: str, convert: Convert, namespace: dict[str, Any], indent: str) -> list[str]:
    """The lines that check and convert `var` in place."""
    raise_ = f"{indent}    raise _NotAsDumped"
    checked = _INLINE_CHECKS.get(convert)
    if checked is not None:
        return [f"{indent}if type({var}) is not {checked}:", raise_]
    if convert is _same:
        return []
    if convert is _decimal:
        namespace["_Decimal"] = Decimal
        return [
            f"{indent}if type({var}) is not str:",
            raise_,
            f"{indent}{var} = _Decimal({var})",
            f"{indent}if not {var}.is_finite():",
            raise_,
        ]
    if convert is _aware_datetime or convert is _datetime:
        parse = "_parse_aware_datetime" if convert is _aware_datetime else "_parse_datetime"
        namespace[parse] = globals()[parse]
        return [
            f"{indent}if type({var}) is not str or len({var}) < 19 or {var}[10] != 'T':",
            raise_,
            f"{indent}{var} = {parse}({var})",
        ]
    if convert is _str_list:
        # The list orjson made for this payload is no one else's: kept, not copied.
        return [
            f"{indent}if type({var}) is not list:",
            raise_,
            f"{indent}for _item in {var}:",
            f"{indent}    if type(_item) is not str:",
            f"{indent}        raise _NotAsDumped",
        ]
    by_str = getattr(convert, "by_str", None)
    if by_str is not None:  # an enum of string values: KeyError if not a member's value
        name = f"_e{len(namespace)}"
        namespace[name] = by_str
        return [f"{indent}if type({var}) is not str:", raise_, f"{indent}{var} = {name}[{var}]"]
    optional = getattr(convert, "optional_of", None)
    if optional is not None:
        return [f"{indent}if {var} is not None:", *_emit(var, optional, namespace, indent + "    ")]
    name = f"_c{len(namespace)}"
    namespace[name] = convert
    return [f"{indent}{var} = {name}({var})"]


def _check_metadata(metadata: typing.Iterable[Any]) -> None:
    for item in metadata:
        if isinstance(item, _REFUSED_METADATA):
            raise _Refused(repr(item))
        if isinstance(item, FieldInfo):
            if item.alias is not None or item.validation_alias is not None:
                raise _Refused("alias")
            _check_metadata(item.metadata)


def _converter(annotation: Any, memo: dict[type, Convert]) -> Convert:
    if annotation is Any or annotation is object:
        return _same
    if annotation is str:
        return _str
    if annotation is bool:
        return _bool
    if annotation is int:
        return _int
    if annotation is type(None):
        return _none
    if annotation is AwareDatetime:
        return _aware_datetime
    if annotation is datetime:
        return _datetime
    if annotation is date:
        return _date
    if annotation is Decimal:
        return _decimal
    if annotation is UUID:
        return _uuid
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return _enum(annotation)
        if issubclass(annotation, BaseModel):
            return _model_converter(annotation, memo)
        if annotation is list:
            return _list(_same)
        if annotation is tuple:
            return _tuple(_same)
        if annotation is dict:
            return _dict(_str, _same)
        raise _Refused(repr(annotation))
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        _check_metadata(annotation.__metadata__)
        return _converter(args[0], memo)
    if origin is typing.Union or origin is types.UnionType:
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            raise _Refused(repr(annotation))  # which member would validation pick? it decides
        return _optional(_converter(others[0], memo))
    if origin is typing.Literal:
        if not all(type(a) in (str, int, bool) for a in args):
            raise _Refused(repr(annotation))
        return _literal(frozenset((type(a), a) for a in args))
    if origin is list:
        return _list(_converter(args[0], memo))
    if origin in (set, frozenset):
        return _collection(origin, _converter(args[0], memo))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _tuple(_converter(args[0], memo))
        if not args or args == ((),):
            raise _Refused(repr(annotation))
        return _fixed_tuple(tuple(_converter(a, memo) for a in args))
    if origin is dict:
        return _dict(_key_converter(args[0], memo), _converter(args[1], memo))
    raise _Refused(repr(annotation))


def _key_converter(annotation: Any, memo: dict[type, Convert]) -> Convert:
    """JSON object keys are strings: a dict[int, ...] key comes back as "2027"."""
    base = annotation
    while typing.get_origin(base) is typing.Annotated:
        _check_metadata(base.__metadata__)
        base = typing.get_args(base)[0]
    if base is str:
        return _str
    if base is int:
        return _int_key
    if isinstance(base, type) and issubclass(base, Enum):
        return _enum(base)
    raise _Refused(f"dict key {annotation!r}")


def _same(value: Any) -> Any:
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _NotAsDumped
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _NotAsDumped
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise _NotAsDumped
    return value


def _int_key(value: Any) -> int:
    if type(value) is not str or not value.isascii() or not value.lstrip("-").isdigit():
        raise _NotAsDumped
    return int(value)


def _none(value: Any) -> None:
    if value is not None:
        raise _NotAsDumped


def _decimal(value: Any) -> Decimal:
    if type(value) is str or type(value) is int:
        result = Decimal(value)
        if result.is_finite():
            return result
    raise _NotAsDumped


def _uuid(value: Any) -> UUID:
    if type(value) is not str:
        raise _NotAsDumped
    return UUID(value)


def _date(value: Any) -> date:
    if type(value) is not str or len(value) != 10:
        raise _NotAsDumped
    return date.fromisoformat(value)


# pydantic-core's own ISO 8601 parser: the same datetime, down to its TzInfo, as validation
# gives (datetime.replace(tzinfo=...) to get there costs more than this whole parse).
_parse_datetime = SchemaValidator(core_schema.datetime_schema()).validate_python
_parse_aware_datetime = SchemaValidator(
    core_schema.datetime_schema(tz_constraint="aware")
).validate_python


def _datetime(value: Any) -> datetime:
    if type(value) is not str or len(value) < 19 or value[10] != "T":
        raise _NotAsDumped
    parsed: datetime = _parse_datetime(value)
    return parsed


def _aware_datetime(value: Any) -> datetime:
    if type(value) is not str or len(value) < 19 or value[10] != "T":
        raise _NotAsDumped
    parsed: datetime = _parse_aware_datetime(value)
    return parsed


def _enum(cls: type[Enum]) -> Convert:
    by_value = {(type(m.value), m.value): m for m in cls}

    def convert(value: Any) -> Enum:
        return by_value[(type(value), value)]  # KeyError: not a member's dumped value

    if all(type(m.value) is str for m in cls):
        convert.by_str = {m.value: m for m in cls}  # type: ignore[attr-defined]
    return convert


def _optional(convert: Convert) -> Convert:
    def optional(value: Any) -> Any:
        return None if value is None else convert(value)

    optional.optional_of = convert  # type: ignore[attr-defined]
    return optional


def _literal(allowed: frozenset[tuple[type, Any]]) -> Convert:
    def literal(value: Any) -> Any:
        if (type(value), value) not in allowed:
            raise _NotAsDumped
        return value

    return literal


def _list(convert: Convert) -> Convert:
    if convert is _str:
        return _str_list

    def list_(value: Any) -> list[Any]:
        if type(value) is not list:
            raise _NotAsDumped
        return list(map(convert, value))

    return list_


def _str_list(value: Any) -> list[str]:
    if type(value) is not list:
        raise _NotAsDumped
    for item in value:
        if type(item) is not str:
            raise _NotAsDumped
    return value[:]


def _tuple(convert: Convert) -> Convert:
    def tuple_(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise _NotAsDumped
        return tuple(map(convert, value))

    return tuple_


def _fixed_tuple(converts: tuple[Convert, ...]) -> Convert:
    def fixed(value: Any) -> tuple[Any, ...]:
        if type(value) is not list or len(value) != len(converts):
            raise _NotAsDumped
        return tuple([convert(item) for convert, item in zip(converts, value, strict=True)])

    return fixed


def _collection(kind: type, convert: Convert) -> Convert:
    def collection(value: Any) -> Any:
        if type(value) is not list:
            raise _NotAsDumped
        return kind([convert(item) for item in value])

    return collection


def _dict(key: Convert, convert: Convert) -> Convert:
    def dict_(value: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise _NotAsDumped
        return {key(k): convert(v) for k, v in value.items()}

    return dict_


_INLINE_CHECKS.update({_str: "str", _int: "int", _bool: "bool"})


# -- writing payloads ----------------------------------------------------------------------
#
# The store writes `orjson.dumps(event.payload(), option=OPT_SORT_KEYS)`. For a class whose dump
# is the plain form of its values (the same conditions as the trusted builders above: no custom
# serialisers, aliases, excluded or computed fields, only types the builders know), orjson
# writes the same bytes straight from the instance in one pass: nested models through their
# __dict__, Decimals as str() (pydantic's JSON form of a Decimal), datetimes in the same ISO
# form with "Z" for UTC, enums by value. Anything else orjson cannot write (a value of a type it
# does not know) falls back to the pydantic dump. tests/kernel/test_payload_encoding.py proves
# the bytes equal for every registered event of every service.

# orjson's options for the stored JSON: sorted keys, UTC as "Z" (pydantic's JSON form of it).
PLAIN_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def payload_encoder(cls: type[M], dump: Callable[[M], dict[str, Any]]) -> Callable[[M], bytes]:
    """What writes `orjson.dumps(dump(instance), option=OPT_SORT_KEYS)` for instances of `cls`,
    in one pass when it can: `dump` is the class's JSON-mode dump (`DomainEvent.payload`)."""
    dumps = orjson.dumps

    def through_pydantic(event: M) -> bytes:
        return dumps(dump(event), option=orjson.OPT_SORT_KEYS)

    try:
        _model_converter(cls, {})
    except _Refused:
        return through_pydantic
    if mentions(cls, lambda a: a is Any or a is object):
        return through_pydantic  # a field of any type may hold values pydantic dumps its own way

    def plain(event: M) -> bytes:
        try:
            return dumps(event, default=_plain_json_value, option=PLAIN_OPTIONS)
        except orjson.JSONEncodeError:
            return through_pydantic(event)

    return plain


def _plain_json_value(value: Any) -> Any:
    """orjson's `default`: what it cannot write itself, in the form pydantic dumps it."""
    if isinstance(value, BaseModel):
        return value.__dict__
    if type(value) is Decimal:
        return str(value)
    raise TypeError(f"{type(value).__name__} is not written by the plain encoder")
