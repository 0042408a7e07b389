"""`lazy`: an attribute worked out on first read and kept on the instance, without a lock; `made`:
a frozen dataclass built without its generated `__init__`.

`functools.cached_property` takes a lock on every first read before Python 3.12; the guard makes
a fresh `View` (and a fresh ledger index) for every proposal it judges, so those first reads are
most of the reads, and the lock was a measurable share of judging. These objects never cross
threads while being built, so the lock buys nothing. Works on frozen dataclasses too: like
`cached_property` it writes the instance's `__dict__` directly.

A frozen dataclass's `__init__` sets each field through `object.__setattr__`, about 0.2 µs a
field; the guard builds a patient, debts, a case, a proposal and findings for every question, so
`made` fills the instance's `__dict__` in one step instead. The result is the same object
(`tests/test_guard_speed_made.py` holds `made(C, **f) == C(**f)` for every class it is used on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


def made(cls: type[T], **fields: Any) -> T:
    """An instance of a frozen dataclass with exactly these fields: every field must be given.

    Only for dataclasses without `__post_init__` or slots; the fields are not converted or checked.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


class lazy(Generic[T]):
    """A lock-free `cached_property` for objects built and read by one thread."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | lazy[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value  # later reads find it there and skip this descriptor
        return value
