"""Events: immutable domain facts, their metadata, and the per-service registry with upcasters.

An event class has a stable `event_type` name and a `schema_version`. Stored payloads of an older
version are brought up to date by pure upcaster functions, registered once per service, before
they are parsed into the current class: the domain only ever sees the current shape.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar
from uuid import UUID, uuid4

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    functional_serializers,
    functional_validators,
)
from pydantic.fields import FieldInfo
from pydantic_core import SchemaValidator, core_schema

from pmo_kernel.errors import UnknownEventType

JsonDict = dict[str, Any]
Upcaster = Callable[[JsonDict], JsonDict]


def utcnow() -> datetime:
    return datetime.now(UTC)


class DomainEvent(BaseModel):
    """Base of every domain event: frozen, strict about unknown fields, named in the past tense."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def payload(self) -> JsonDict:
        # model_dump(mode="json") without its Python wrapper (the same call, its defaults)
        data: JsonDict = self.__pydantic_serializer__.to_python(self, mode="json")
        return data

    def payload_json(self) -> bytes:
        """`payload()` as JSON with sorted keys: what the event store writes and hashes."""
        encode = _PAYLOAD_ENCODERS.get(type(self))
        if encode is None:
            encode = _PAYLOAD_ENCODERS[type(self)] = _payload_encoder(type(self))
        return encode(self)


class Actor(BaseModel):
    """Who caused an event: the authenticated subject and the roles they acted with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str | None = None
    roles: tuple[str, ...] = ()


SYSTEM_ACTOR = Actor(id="system", name="pmo", roles=("system",))


class EventMetadata(BaseModel):
    """Context recorded beside each event: the audit trail's who, when and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    occurred_at: datetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    idempotency_key: str | None = None
    request_fingerprint: str | None = None

    def stored_json(self) -> bytes:
        """`model_dump(mode="json", exclude_none=True)` as JSON with sorted keys, what the
        event store writes and hashes, written by orjson straight from the fields (the same
        bytes: tests/kernel/test_payload_encoding.py)."""
        actor = self.actor
        if type(self) is not EventMetadata or type(actor) is not Actor:
            return orjson.dumps(
                self.__pydantic_serializer__.to_python(self, mode="json", exclude_none=True),
                option=orjson.OPT_SORT_KEYS,
            )
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        data["actor"] = {k: v for k, v in actor.__dict__.items() if v is not None}
        return orjson.dumps(data, option=_PLAIN_OPTIONS)


class LogCursor(NamedTuple):
    """A place in the whole log, in the order readers see it. (0, 0) is the beginning."""

    tx_id: int
    global_position: int


Decoder = Callable[[str, int, str], "DomainEvent"]


T = TypeVar("T")


class _cached(Generic[T]):  # noqa: N801 - used as a decorator, like cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read,
    about a microsecond: replays read millions of events). The value lands in the instance's
    __dict__, which then wins over this non-data descriptor: later reads are plain lookups."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @typing.overload
    def __get__(self, instance: None, owner: type | None = None) -> _cached[T]: ...

    @typing.overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | _cached[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


class _LazyEvent:
    """`RecordedEvent.event`: the typed event, decoded on first read and kept in the instance's
    __dict__, which then wins over this non-data descriptor. Like `_cached`, one Python call
    less: replays read it on millions of events."""

    @typing.overload
    def __get__(self, instance: None, owner: type | None = None) -> _LazyEvent: ...

    @typing.overload
    def __get__(self, instance: RecordedEvent, owner: type | None = None) -> DomainEvent: ...

    def __get__(
        self, instance: RecordedEvent | None, owner: type | None = None
    ) -> DomainEvent | _LazyEvent:
        if instance is None:
            return self
        d = instance.__dict__
        event: DomainEvent = d["decoder"](d["event_type"], d["schema_version"], d["payload_json"])
        d["event"] = event
        return event


@dataclass(frozen=True, eq=False)
class RecordedEvent:
    """An event as stored: its place in its stream and in the log, and its hash-chain link.

    A plain dataclass, not a pydantic model: replays build millions of these from our own store.
    It keeps the stored JSON; the typed `event` and `metadata` are parsed on first use, so a relay
    that forwards the JSON never pays for parsing it.
    """

    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int
    global_position: int
    tx_id: int
    event_type: str
    schema_version: int
    payload_json: str
    metadata_json: str
    recorded_at: datetime
    prev_hash: str | None
    hash: str
    decoder: Decoder = field(repr=False)

    # The typed event, decoded by `decoder` on first read.
    event = _LazyEvent()

    @_cached
    def metadata(self) -> EventMetadata:
        return EventMetadata.model_validate_json(self.metadata_json)

    @_cached
    def metadata_dict(self) -> JsonDict:
        data: JsonDict = orjson.loads(self.metadata_json)
        return data

    @property
    def cursor(self) -> LogCursor:
        """Where a reader of the whole log resumes after this event (see EventStore.read_all)."""
        return LogCursor(self.tx_id, self.global_position)

    @classmethod
    def of(
        cls,
        event: DomainEvent,
        metadata: EventMetadata,
        *,
        stream_type: str,
        stream_id: str,
        stream_version: int,
        event_id: UUID | None = None,
        global_position: int = 0,
        tx_id: int = 0,
        recorded_at: datetime | None = None,
        prev_hash: str | None = None,
        hash: str = "",
    ) -> RecordedEvent:
        """A recorded event built in memory (tests, in-process projections)."""
        recorded = cls(
            event_id=event_id or uuid4(),
            stream_type=stream_type,
            stream_id=stream_id,
            stream_version=stream_version,
            global_position=global_position,
            tx_id=tx_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            payload_json=event.model_dump_json(),
            metadata_json=metadata.model_dump_json(exclude_none=True),
            recorded_at=recorded_at or utcnow(),
            prev_hash=prev_hash,
            hash=hash,
            decoder=_no_decoder,
        )
        recorded.__dict__["event"] = event  # prime the cache: no decoding needed
        return recorded


def _no_decoder(event_type: str, schema_version: int, payload: str) -> DomainEvent:
    raise UnknownEventType(f"in-memory event {event_type} v{schema_version} has no decoder")


E = TypeVar("E", bound=type[DomainEvent])


class EventRegistry:
    """The events one service knows, by stable name, with their upcasters."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._builders: dict[type[DomainEvent], Any] = {}  # class -> trusted builder or None
        # event type -> (its current schema version, the decode_stored of a payload of it)
        self._stored: dict[str, tuple[int, Callable[[str | bytes], DomainEvent]]] = {}

    def event(self, cls: E) -> E:
        """Class decorator: register an event class under its `event_type`."""
        name = cls.event_type
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"event type {name!r} registered twice in {self.service}")
        _forbid_floats(cls)
        self._classes[name] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a pure function turning a payload of `from_version` into `from_version + 1`."""

        def register(fn: Upcaster) -> Upcaster:
            key = (event_type, from_version)
            if key in self._upcasters:
                raise ValueError(f"upcaster for {event_type} v{from_version} registered twice")
            self._upcasters[key] = fn
            return fn

        return register

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._classes

    def __iter__(self) -> typing.Iterator[type[DomainEvent]]:
        return iter(self._classes.values())

    def class_for(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventType(
                f"{self.service} does not know event type {event_type!r}"
            ) from None

    def upcast(self, event_type: str, schema_version: int, payload: JsonDict) -> JsonDict:
        current = self.class_for(event_type).schema_version
        if schema_version > current:
            raise UnknownEventType(
                f"{event_type} v{schema_version} is newer than this code (v{current})"
            )
        while schema_version < current:
            try:
                step = self._upcasters[(event_type, schema_version)]
            except KeyError:
                raise UnknownEventType(
                    f"no upcaster for {event_type} from v{schema_version}"
                ) from None
            payload = step(payload)
            schema_version += 1
        return payload

    def decode_json(
        self, event_type: str, schema_version: int, payload: str | bytes
    ) -> DomainEvent:
        """Parse a stored payload; the current version goes straight from JSON text (fast path)."""
        cls = self.class_for(event_type)
        if schema_version == cls.schema_version:
            return cls.model_validate_json(payload)
        return cls.model_validate(self.upcast(event_type, schema_version, orjson.loads(payload)))

    def decode_stored(
        self, event_type: str, schema_version: int, payload: str | bytes
    ) -> DomainEvent:
        """Parse a payload read back from our own event store (the store's decoder).

        A payload of the current schema version was written by `EventStore.append` as the JSON
        dump of an event instance that pydantic had validated (see `_trusted_builder` for why
        re-validating it proves nothing new): it is rebuilt by plain type conversions, about
        four times faster than validation. Anything that does not have exactly the shape the
        class dumps (another schema version, a missing or unknown field, a value of an
        unexpected JSON type) goes through full validation, as `decode_json` does."""
        known = self._stored.get(event_type)
        if known is not None and known[0] == schema_version:  # one lookup on the replay path
            return known[1](payload)
        cls = self.class_for(event_type)
        if schema_version == cls.schema_version:
            build = self._builders.get(cls, _UNCOMPILED)
            if build is _UNCOMPILED:
                build = self._builders[cls] = _trusted_builder(cls)
            decode = _stored_decoder(cls, build)
            self._stored[event_type] = (schema_version, decode)
            return decode(payload)
        return cls.model_validate(self.upcast(event_type, schema_version, orjson.loads(payload)))

    def decode(
        self, event_type: str, schema_version: int, payload: Mapping[str, Any]
    ) -> DomainEvent:
        cls = self.class_for(event_type)
        data = dict(payload)
        if schema_version != cls.schema_version:
            data = self.upcast(event_type, schema_version, data)
        return cls.model_validate(data)


def _forbid_floats(cls: type[BaseModel]) -> None:
    """Events are hashed from their JSON: floats do not round-trip through jsonb byte-for-byte
    (1e20 comes back as 100000000000000000000), so an audit would cry wolf. Use Decimal or int."""
    for name, info in cls.model_fields.items():
        if _mentions(info.annotation, lambda a: a is float):
            raise TypeError(f"{cls.__name__}.{name}: events may not hold floats; use Decimal")


def _mentions(
    annotation: Any, wanted: Callable[[Any], bool], seen: set[type] | None = None
) -> bool:
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
        return any(_mentions(f.annotation, wanted, seen) for f in annotation.model_fields.values())
    return any(_mentions(arg, wanted, seen) for arg in typing.get_args(annotation))


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


def _stored_decoder(
    cls: type[DomainEvent], build: Callable[[Any], BaseModel] | None
) -> Callable[[str | bytes], DomainEvent]:
    """decode_stored for the current version of one class: the trusted builder, falling back
    to full validation (what `model_validate_json` calls, without its wrapper)."""
    validate: Callable[[str | bytes], DomainEvent] = cls.__pydantic_validator__.validate_json
    if build is None:
        return validate
    loads = orjson.loads

    def decode(payload: str | bytes) -> DomainEvent:
        try:
            return build(loads(payload))  # type: ignore[return-value]
        except _NOT_AS_DUMPED:
            return validate(payload)

    return decode


class _NotAsDumped(Exception):
    """The JSON is not what the class's dump looks like: validate it fully instead."""


_NOT_AS_DUMPED = (_NotAsDumped, ValueError, TypeError, ArithmeticError, KeyError)
_UNCOMPILED: Any = object()

Convert = Callable[[Any], Any]

_REFUSED_METADATA = (
    functional_validators.PlainValidator,
    functional_validators.WrapValidator,
    functional_serializers.PlainSerializer,
    functional_serializers.WrapSerializer,
)


def _trusted_builder(cls: type[BaseModel]) -> Callable[[Any], BaseModel] | None:
    if not any(_mentions(f.annotation, _is_model) for f in cls.model_fields.values()):
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

_PAYLOAD_ENCODERS: dict[type[DomainEvent], Callable[[DomainEvent], bytes]] = {}
_PLAIN_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def _payload_encoder(cls: type[DomainEvent]) -> Callable[[DomainEvent], bytes]:
    dumps = orjson.dumps

    def through_pydantic(event: DomainEvent) -> bytes:
        return dumps(event.payload(), option=orjson.OPT_SORT_KEYS)

    try:
        _model_converter(cls, {})
    except _Refused:
        return through_pydantic
    if _mentions(cls, lambda a: a is Any or a is object):
        return through_pydantic  # a field of any type may hold values pydantic dumps its own way

    def plain(event: DomainEvent) -> bytes:
        try:
            return dumps(event, default=_plain_json_value, option=_PLAIN_OPTIONS)
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
