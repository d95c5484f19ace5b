"""Frozen models kept as their field values: what the engine keeps of the past.

A chat line, an SMS or a webhook event never changes once it exists, and a
long run keeps many of them (four chat lines, an SMS and a webhook per Flow B
user).  Kept as pydantic models, each is an object the garbage collector
tracks and walks in every full collection for as long as the run lives: at
10,000 users those walks were a quarter of the engine's time
(``bench/engine.py``).  Kept as a tuple of their field values (strings,
datetimes, ``None``), they are untracked after the first collection, like
the plain dicts of a hand-written model.

So the engine keeps them in a :class:`RecordList` and builds the model when
it is read:

* :func:`record_maker` gives, per model class, a function with the model's
  fields as keyword arguments (and its defaults) that returns the values in
  field order, without building a model;
* :class:`RecordList` is a ``list`` of such tuples that reads as a list of
  models: indexing, iterating, ``in``, ``==`` with a list of models, copying
  and pickling all give or take models; ``append``/``extend``/``insert``
  take models too.  :meth:`RecordList.records` and :meth:`RecordList.add`
  are the engine's raw access;
* :func:`rebuild` makes the model from its values: equal to the one
  validation gives for the same values, every field marked set (all of them
  were, by the engine).

Two reads of the same line give equal models, not the same object.

A field that holds containers (a notification's ``messages``: a tuple of
dicts) would keep its record tracked, and with it the tuple of dicts it
shares with the message: a model names such fields in ``record_packed``,
and its records keep them as their ``marshal`` bytes (about 0.5 µs to pack,
exact for JSON-like values, tuples and lists kept apart), unpacked when the
model is built.  Packed bytes are not compared byte for byte: a
:class:`RecordList` of such a model compares its models (``in``, ``index``,
``count``, ``remove``, ``==``).
"""

from __future__ import annotations

import functools
import marshal
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Generic, SupportsIndex, TypeVar, overload

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import core_schema

_M = TypeVar("_M", bound=BaseModel)
#: A frozen model's field values in its field order.
Values = tuple[Any, ...]

_new = object.__new__
#: ``list``'s own methods, for a RecordList's raw records (typed loosely: a ``RecordList[M]`` holds tuples).
_list: Any = list
# The slots every model has, set as pydantic's own constructors do (without its ``__setattr__``).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__

#: Per frozen model class: its field names in order, the one ``model_fields_set`` of every model
#: :func:`rebuild` makes (all its fields; shared, as a frozen model never adds to it), and its
#: packed fields.
_REBUILT: dict[type[BaseModel], tuple[tuple[str, ...], set[str], tuple[str, ...]]] = {}
_loads = marshal.loads
#: ``marshal``'s format 2, without the back-references of formats 3 and 4: those depend on reference
#: counts, so a value read back from its bytes would pack to other bytes; format 2 gives the same.
_FORMAT = 2


@functools.cache
def packed_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields a model's records keep packed (its ``record_packed``; see the module's docstring)."""
    names: tuple[str, ...] = tuple(getattr(cls, "record_packed", ()))
    unknown = [name for name in names if name not in cls.model_fields]
    if unknown:
        raise TypeError(f"{cls.__name__}.record_packed names no field: {', '.join(unknown)}")
    return names


def pack(value: Any) -> Any:
    """A packed field's value as a record keeps it: its ``marshal`` bytes (an empty value as it is).

    A value ``marshal`` cannot write (an object of another class, an ``IntEnum`` in a dict) is kept as
    it is: correct, only tracked by the garbage collector."""
    if not value:
        return value
    try:
        return marshal.dumps(value, _FORMAT)
    except ValueError:
        return value


def unpack(value: Any) -> Any:
    """The inverse of :func:`pack`."""
    return _loads(value) if type(value) is bytes else value


def _frozen_fields(cls: type[BaseModel], what: str) -> tuple[str, ...]:
    if not (issubclass(cls, BaseModel) and cls.model_config.get("frozen")):
        raise TypeError(f"{what} makes frozen models only, not {cls.__name__}")
    if cls.__pydantic_post_init__ or cls.__private_attributes__ or cls.model_config.get("extra") == "allow":
        raise TypeError(f"{what} cannot make {cls.__name__}: it has a post-init, private attributes or extras")
    return tuple(cls.model_fields)


def assemble(cls: type[_M], fields: dict[str, Any], fields_set: set[str]) -> _M:
    """A model from its ``__dict__`` and ``model_fields_set``, set as pydantic's own constructors do (no validation)."""
    obj = _new(cls)
    _set_dict(obj, fields)
    _set_fields_set(obj, fields_set)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def rebuild(cls: type[_M], values: Sequence[Any]) -> _M:
    """A frozen model from its field values in declaration order (a record).

    Equal to the model the values were read from, every field marked set.
    """
    layout = _REBUILT.get(cls)
    if layout is None:
        names = _frozen_fields(cls, "rebuild()")
        layout = _REBUILT[cls] = (names, set(names), packed_fields(cls))
    fields = dict(zip(layout[0], values))
    for name in layout[2]:
        fields[name] = unpack(fields[name])
    obj = _new(cls)
    _set_dict(obj, fields)
    _set_fields_set(obj, layout[1])
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def values_of(model: BaseModel) -> Values:
    """A model's record: its field values in field order, packed fields packed (what :func:`rebuild` takes back)."""
    cls = type(model)
    fields = model.__dict__
    packed = packed_fields(cls)
    return tuple(pack(fields[name]) if name in packed else fields[name] for name in cls.model_fields)


def record_maker(cls: type[BaseModel]) -> Callable[..., Values]:
    """A function ``(*, field=default, ...) -> values`` for a frozen model: its record, no model built.

    Generated once per class from ``cls.model_fields`` (as ``dataclasses``
    writes an ``__init__``): keyword-only parameters in field order, the
    required ones without a default, the others with the model's default,
    which must be immutable (a default factory is refused: a shared list
    would be one list for every record); a packed field is packed.  The
    values are not validated: the engine's own, already valid.  ``tests/engine/test_records.py`` checks
    that ``rebuild(cls, maker(**v))`` equals ``cls(**v)``.
    """
    names = _frozen_fields(cls, "record_maker()")
    packed = packed_fields(cls)
    defaults: dict[str, Any] = {}
    params = []
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:
            raise TypeError(f"record_maker(): {cls.__name__}.{name} has a default factory")
        if info.is_required():
            params.append(name)
        else:
            defaults[f"_d_{name}"] = info.default
            params.append(f"{name}=_d_{name}")
    values = (f"_pack({name})" if name in packed else name for name in names)
    source = (f"def make(*, {', '.join(params)}):\n"
              f"    return ({', '.join(values)},)\n")
    namespace: dict[str, Any] = {**defaults, "_pack": pack}
    exec(compile(source, f"<record_maker {cls.__name__}>", "exec"), namespace)  # noqa: S102 - our own field names
    make: Callable[..., Values] = namespace["make"]
    make.__qualname__ = make.__name__ = f"{cls.__name__}_record"
    make.__doc__ = f"The field values of a {cls.__name__}, in field order, without building it."
    return make


def _ordering(compare: Callable[[list[Any], list[Any]], bool]) -> Callable[[Any, object], Any]:
    """A RecordList's ``<`` (and the others): as the lists of the models (the raw tuples do not order with models)."""
    def ordered(self: Any, other: object) -> Any:  # a bool, or NotImplemented
        if not isinstance(other, list):
            return NotImplemented
        return compare(list(self), list(other))

    ordered.__name__ = f"__{compare.__name__}__"
    return ordered


class RecordList(list[_M], Generic[_M]):
    """A list of frozen models, kept as their field values (see the module's docstring).

    A subclass names its model: ``class ChatLines(RecordList[ChatMessage]): model = ChatMessage``.
    Reading gives models; the raw tuples are :meth:`records`.
    """

    __slots__ = ()
    model: ClassVar[type[Any]]
    #: The model has packed fields: records are compared as models (equal values may pack to other bytes).
    _packed: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("model")
        if model is not None:
            cls._packed = bool(packed_fields(model))

    def __init__(self, items: Iterable[Any] = ()) -> None:
        _list.__init__(self, map(self._values, items))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """As a field of a model: validated, dumped and described (JSON Schema) as ``list[model]``; kept as records.

        pydantic-core reads a list subclass's items at C level (the raw records), so a RecordList given
        back to validation is read as its models first, and dumping hands the models to the list's own
        serializer (which applies ``include``/``exclude`` to the items).  Outside such a field (another
        model's ``list[Model]``, a ``TypeAdapter(list[Model])``) pass ``list(records)``: the models."""
        models = core_schema.list_schema(handler.generate_schema(cls.model))
        return core_schema.no_info_after_validator_function(
            cls._from_models, core_schema.no_info_before_validator_function(_models_of, models),
            serialization=core_schema.wrap_serializer_function_ser_schema(_dump_models, schema=models))

    @classmethod
    def _from_models(cls, models: Iterable[Any]) -> RecordList[Any]:
        return cls._from_records(map(values_of, models))

    @classmethod
    def _values(cls, item: Any) -> Values:
        if isinstance(item, cls.model):
            return values_of(item)
        if type(item) is tuple and len(item) == len(cls.model.model_fields):
            return item
        raise TypeError(f"a {cls.__name__} holds {cls.model.__name__} models, not {type(item).__name__}")

    # ---------------------------------------------------------------- the engine's raw access

    def add(self, values: Values) -> None:
        """Append a record (``record_maker(model)(...)``): the engine's way, no model built."""
        _list.append(self, values)

    def records(self) -> Iterator[Values]:
        """The raw records, oldest first."""
        records: Iterator[Values] = _list.__iter__(self)
        return records

    # ---------------------------------------------------------------- reading: models

    @overload
    def __getitem__(self, index: SupportsIndex) -> _M: ...
    @overload
    def __getitem__(self, index: slice) -> list[_M]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> _M | list[_M]:
        got = _list.__getitem__(self, index)
        model: type[_M] = self.model
        if isinstance(index, slice):
            return [rebuild(model, values) for values in got]
        return rebuild(model, got)

    def __iter__(self) -> Iterator[_M]:
        model = self.model
        return (rebuild(model, values) for values in _list.__iter__(self))

    def __reversed__(self) -> Iterator[_M]:
        model = self.model
        return (rebuild(model, values) for values in _list.__reversed__(self))

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, self.model):
            return False
        if self._packed:
            return any(model == item for model in self)
        found: bool = _list.__contains__(self, values_of(item))
        return found

    def index(self, item: Any, start: SupportsIndex = 0, stop: SupportsIndex = 2**62) -> int:
        if not isinstance(item, self.model):
            raise ValueError(f"{item!r} is not in the list")
        if self._packed:
            for position in range(*slice(start, stop).indices(len(self))):
                if self[position] == item:
                    return position
            raise ValueError(f"{item!r} is not in the list")
        found: int = _list.index(self, values_of(item), start, stop)
        return found

    def count(self, item: Any) -> int:
        if not isinstance(item, self.model):
            return 0
        if self._packed:
            return sum(model == item for model in self)
        counted: int = _list.count(self, values_of(item))
        return counted

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordList):
            if other.model is not self.model:
                return False
            if not self._packed:  # records compare as their values; packed bytes do not (see the module)
                same: bool = _list.__eq__(self, other)
                return same
        if isinstance(other, list):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __repr__(self) -> str:
        return repr(list(self))

    def copy(self) -> list[_M]:
        """A plain list of the models (as ``list.copy`` gives a list)."""
        return list(self)

    def __add__(self, other: Iterable[Any]) -> list[_M]:  # type: ignore[override]
        if not isinstance(other, list):
            return NotImplemented  # as a list: only a list is added to it
        return [*self, *other]

    def __radd__(self, other: Iterable[Any]) -> list[Any]:
        """``[...] + records``: ``list.__add__`` would copy the raw tuples (Python tries this first, a subclass)."""
        if not isinstance(other, list):
            return NotImplemented
        return [*other, *self]

    __lt__ = _ordering(operator.lt)
    __le__ = _ordering(operator.le)
    __gt__ = _ordering(operator.gt)
    __ge__ = _ordering(operator.ge)

    def __mul__(self, times: SupportsIndex) -> list[_M]:
        return list(self) * times

    __rmul__ = __mul__

    def __copy__(self) -> RecordList[_M]:
        return self._from_records(self.records())

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordList[_M]:
        return self._from_records(self.records())  # the records are immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), list(self.records())))

    @classmethod
    def _from_records(cls, records: Iterable[Values]) -> RecordList[_M]:
        made = cls()
        _list.extend(made, records)
        return made

    # ---------------------------------------------------------------- writing: models or records

    def append(self, item: Any) -> None:
        _list.append(self, self._values(item))

    def extend(self, items: Iterable[Any]) -> None:
        if items is self:  # its own records, once (mapping over itself while it grows would never end)
            _list.extend(self, list(self.records()))
        else:
            _list.extend(self, map(self._values, items))

    def __iadd__(self, items: Iterable[Any]) -> RecordList[_M]:  # type: ignore[override]
        self.extend(items)
        return self

    def insert(self, index: SupportsIndex, item: Any) -> None:
        _list.insert(self, index, self._values(item))

    def __setitem__(self, index: Any, item: Any) -> None:
        if isinstance(index, slice):
            _list.__setitem__(self, index, [self._values(i) for i in item])
        else:
            _list.__setitem__(self, index, self._values(item))

    def pop(self, index: SupportsIndex = -1) -> _M:
        model: type[_M] = self.model
        return rebuild(model, _list.pop(self, index))

    def remove(self, item: Any) -> None:
        if self._packed and isinstance(item, self.model):
            _list.__delitem__(self, self.index(item))
        else:
            _list.remove(self, values_of(item) if isinstance(item, self.model) else item)

    def sort(self, *, key: Callable[[_M], Any] | None = None, reverse: bool = False) -> None:
        models: list[Any] = sorted(self, key=key, reverse=reverse)
        _list.__setitem__(self, slice(None), [values_of(m) for m in models])


def _models_of(value: Any) -> Any:
    """What validation reads of a value: a RecordList's models (pydantic-core would read its raw tuples)."""
    return list(value) if isinstance(value, RecordList) else value


def _dump_models(value: Any, serialize: core_schema.SerializerFunctionWrapHandler) -> Any:
    return serialize(list(value))


def _restore(cls: type[RecordList[Any]], records: list[Values]) -> RecordList[Any]:
    """Unpickling a :class:`RecordList` (its records, not models)."""
    return cls._from_records(records)
