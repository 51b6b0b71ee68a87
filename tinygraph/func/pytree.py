"""Nested containers of tensors ("pytrees") as the function transforms see them: tuples, lists,
dicts (and namedtuples) are nodes, everything else is a leaf.

    >>> leaves, spec = flatten({"w": w, "b": (b1, b2)})     # [w, b1, b2]
    >>> unflatten([2 * t for t in leaves], spec)             # {"w": 2w, "b": (2b1, 2b2)}

A spec is ``None`` for a leaf, else ``(kind, keys, children)``: ``kind`` the container's type,
``keys`` a dict's keys (``None`` for sequences), ``children`` the specs of its items.
"""

from __future__ import annotations


def _is_node(value) -> bool:
    return isinstance(value, (tuple, list, dict))


def _items(value):
    if isinstance(value, dict):
        return list(value.keys()), list(value.values())
    return None, list(value)


def flatten(tree) -> tuple[list, object]:
    """The leaves of ``tree`` in order (dicts in insertion order), and its spec."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves: list):
    if not _is_node(tree):
        leaves.append(tree)
        return None
    keys, values = _items(tree)
    return (type(tree), keys, [_flatten(v, leaves) for v in values])


def unflatten(leaves, spec):
    """``tree`` back from its leaves (any iterable) and spec."""
    it = iter(leaves)
    return _build(it, spec)


def _build(it, spec):
    if spec is None:
        return next(it)
    kind, keys, children = spec
    values = [_build(it, child) for child in children]
    if keys is not None:
        return kind(zip(keys, values)) if kind is not dict else dict(zip(keys, values))
    if kind is tuple or kind is list:
        return kind(values)
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*values)
    return kind(values)


def describe(spec) -> str:
    """A spec in words, for errors: ``*`` a leaf, ``(*, *)`` a tuple, ``{'a': *}`` a dict."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    inner = [describe(c) for c in children]
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(keys, inner)) + "}"
    if issubclass(kind, list):
        return "[" + ", ".join(inner) + "]"
    return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"


def same_structure(a, b) -> bool:
    """Whether two specs describe the same nesting (sequence kinds and dict keys included)."""
    if a is None or b is None:
        return a is None and b is None
    return (_family(a[0]) == _family(b[0]) and a[1] == b[1] and len(a[2]) == len(b[2])
            and all(same_structure(x, y) for x, y in zip(a[2], b[2])))


def _family(kind) -> type:
    return dict if issubclass(kind, dict) else list if issubclass(kind, list) else tuple


def broadcast_prefix(prefix, tree, is_leaf_value) -> list | None:
    """One value of ``prefix`` per leaf of ``tree``: ``prefix`` is a tree whose shape is a
    prefix of ``tree``'s (a leaf value of it, e.g. an ``in_dims`` int or None, covers a whole
    subtree). ``None`` when the two do not fit together."""
    out: list = []
    return out if _broadcast(prefix, tree, is_leaf_value, out) else None


def _broadcast(prefix, tree, is_leaf_value, out: list) -> bool:
    if is_leaf_value(prefix):
        out.extend([prefix] * len(flatten(tree)[0]))
        return True
    if not _is_node(prefix) or not _is_node(tree):
        return False
    if _family(type(prefix)) is not _family(type(tree)):
        return False
    if isinstance(prefix, dict):
        if list(prefix.keys()) != list(tree.keys()) and set(prefix) != set(tree):
            return False
        return all(_broadcast(prefix[k], tree[k], is_leaf_value, out) for k in tree)
    if len(prefix) != len(tree):
        return False
    return all(_broadcast(p, t, is_leaf_value, out) for p, t in zip(prefix, tree))
