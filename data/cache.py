"""A small per-application cache of computed results, keyed by the data's version so that a new
or reviewed submission makes old entries unreachable (they then age out)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ResultCache:
    """Least-recently-used, thread-safe, bounded; plugs into Flask with `init_app`."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def init_app(self, app) -> None:
        app.extensions["results"] = self

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def results_of(app) -> ResultCache:
    return app.extensions["results"]
