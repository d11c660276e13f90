"""Stand-ins the shim hands to a test for names torchkeras cannot answer.

- MissingName: Keras exports the name but torchkeras lacks it. Any use raises MissingPublicName (an
  AttributeError naming the public path), so the test FAILS: a gap in torchkeras is never a skip.
- InternalName: the name is a Keras internal (not exported). Any use raises KerasInternalUse, a
  BaseException so that no `assertRaises(Exception)` in the test swallows it; the plugin then lists
  the test as excluded, with the name as the reason.

Both keep `__name__` so that absl/pytest name parametrized tests exactly as upstream does, and both
may be subclassed at import time (instantiating the subclass is then the use that raises).
"""

EVENTS = []  # (kind, detail) per test, cleared by the plugin before each test


class MissingPublicName(AttributeError):
    """torchkeras lacks a name that Keras 3.15.1 exports."""

    def __init__(self, public_path, asked_as):
        self.public_path = public_path
        via = f" (the test asked for {asked_as})" if asked_as and asked_as != public_path else ""
        super().__init__(f"torchkeras lacks `{public_path}`, which Keras 3.15.1 exports{via}; "
                         f"expected at `torchkeras{public_path[len('keras'):]}`.")


class KerasInternalUse(BaseException):
    """A test used a Keras internal (a name Keras does not export, or a private attribute)."""

    def __init__(self, name, why="not exported by Keras 3.15.1"):
        self.internal_name = name
        super().__init__(f"Keras internal `{name}` ({why}): the Keras suite excludes tests that use it.")


class _Stand:
    __slots__ = ("_path", "_asked", "__name__", "__qualname__")

    def __init__(self, path, asked=None):
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_asked", asked)
        object.__setattr__(self, "__name__", path.rsplit(".", 1)[-1])
        object.__setattr__(self, "__qualname__", path.rsplit(".", 1)[-1])

    def _fail(self, *args, **kwargs):
        raise NotImplementedError

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __call__(self, *args, **kwargs):
        self._fail()

    def __mro_entries__(self, bases):
        # Subclassing at import time must not break the whole file: the class is made, and
        # creating an instance of it fails as any other use would.
        stand = self

        def __new__(cls, *args, **kwargs):
            stand._fail()

        return (type(self.__name__, (), {"__new__": __new__, "__module__": "keras_suite.stand_in"}),)

    def __instancecheck__(self, obj):
        self._fail()

    def __subclasscheck__(self, cls):
        self._fail()

    def __iter__(self):
        self._fail()

    def __getitem__(self, key):
        self._fail()

    def __enter__(self):
        self._fail()

    def __exit__(self, *exc):
        return False

    def __setattr__(self, attr, value):
        self._fail()


class MissingName(_Stand):
    __slots__ = ()

    def _fail(self, *args, **kwargs):
        EVENTS.append(("missing", self._path))
        raise MissingPublicName(self._path, self._asked)

    def __repr__(self):
        return f"<missing in torchkeras: {self._path}>"


class InternalName(_Stand):
    __slots__ = ()

    def _fail(self, *args, **kwargs):
        EVENTS.append(("internal", self._path))
        raise KerasInternalUse(self._path)

    def __repr__(self):
        return f"<Keras internal: {self._path}>"
