"""Three-valued (Kleene) evaluation of the protocol's condition expressions.

Conditions are written in a tiny subset of Python syntax so a clinical lead can read
them ("symptomatic and (exposed or healthcare_worker)"). They are parsed with `ast`
and evaluated by walking the tree: nothing is ever passed to eval().

A value is True, False, a number, the string "unknown" (asked, but not measured), or
None: not known yet. None propagates the way it should in Kleene logic, which is what
lets the engine tell which answers could still change the route.
"""

from __future__ import annotations

import ast
import operator
from typing import Any, Callable, Mapping

NOT_MEASURED = "unknown"

_COMPARISONS: dict[type, Callable[[Any, Any], bool]] = {
    ast.GtE: operator.ge,
    ast.Gt: operator.gt,
    ast.LtE: operator.le,
    ast.Lt: operator.lt,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_CONSTANT_NAMES = {"true": True, "false": False, "True": True, "False": False}


class ExpressionError(ValueError):
    """A condition in the protocol file is not valid."""


class Expression:
    """A parsed condition; `names` lists every identifier it refers to."""

    def __init__(self, source: str) -> None:
        self.source = str(source)
        try:
            self._tree = ast.parse(self.source, mode="eval").body
        except SyntaxError as error:
            raise ExpressionError(f"cannot parse {self.source!r}: {error.msg}") from error
        self.names = frozenset(self._names(self._tree))

    def _names(self, node: ast.AST) -> set[str]:
        self._check(node)
        called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called}
        return found - set(_CONSTANT_NAMES)

    def _check(self, node: ast.AST) -> None:
        allowed = (
            ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.IfExp,
            ast.Name, ast.Load, ast.Constant, ast.Call, *_COMPARISONS,
        )
        for child in ast.walk(node):
            if not isinstance(child, allowed):
                raise ExpressionError(
                    f"{type(child).__name__} is not allowed in {self.source!r}"
                )
            if isinstance(child, ast.Call) and not (
                isinstance(child.func, ast.Name)
                and child.func.id == "measured"
                and len(child.args) == 1
                and isinstance(child.args[0], ast.Name)
            ):
                raise ExpressionError(f"only measured(fact) may be called: {self.source!r}")

    def comparisons(self) -> list[tuple[str, str | float]]:
        """Pairs compared with each other: ("age", "high_risk_age") or ("age", 2.0)."""
        pairs: list[tuple[str, str | float]] = []
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                names = [n.id for n in operands if isinstance(n, ast.Name)]
                numbers = [float(n.value) for n in operands if isinstance(n, ast.Constant)
                           and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)]
                pairs += [(a, b) for a in names for b in [*names, *numbers] if a != b]
        return pairs

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        return _evaluate(self._tree, lookup)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def _evaluate(node: ast.AST, lookup: Callable[[str], Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _CONSTANT_NAMES:
            return _CONSTANT_NAMES[node.id]
        return lookup(node.id)
    if isinstance(node, ast.BoolOp):
        values = [_truth(_evaluate(v, lookup)) for v in node.values]
        return _and(values) if isinstance(node.op, ast.And) else _or(values)
    if isinstance(node, ast.UnaryOp):
        value = _truth(_evaluate(node.operand, lookup))
        return None if value is None else not value
    if isinstance(node, ast.Compare):
        return _compare(node, lookup)
    if isinstance(node, ast.IfExp):
        condition = _truth(_evaluate(node.test, lookup))
        if condition is True:
            return _evaluate(node.body, lookup)
        if condition is False:
            return _evaluate(node.orelse, lookup)
        body, orelse = _evaluate(node.body, lookup), _evaluate(node.orelse, lookup)
        return body if body == orelse and body is not None else None
    if isinstance(node, ast.Call):
        value = lookup(node.args[0].id)
        return None if value is None else value != NOT_MEASURED
    raise ExpressionError(f"unsupported node {type(node).__name__}")  # pragma: no cover


def _truth(value: Any) -> bool | None:
    if value is None:
        return None
    if value == NOT_MEASURED:
        return False
    return bool(value)


def _and(values: list[bool | None]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _or(values: list[bool | None]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _compare(node: ast.Compare, lookup: Callable[[str], Any]) -> bool | None:
    results = []
    left = _evaluate(node.left, lookup)
    for op, right_node in zip(node.ops, node.comparators):
        right = _evaluate(right_node, lookup)
        if left is None or right is None:
            results.append(None)
        elif NOT_MEASURED in (left, right) or isinstance(left, bool) or isinstance(right, bool):
            results.append(False)  # "not measured" is never above or below a threshold
        else:
            results.append(_COMPARISONS[type(op)](float(left), float(right)))
        left = right
    return _and(results)


def names_in(expressions: Mapping[str, Expression], root: Expression) -> frozenset[str]:
    """Every fact name `root` depends on, following derived terms."""
    seen: set[str] = set()
    pending = list(root.names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in expressions:
            pending.extend(expressions[name].names)
    return frozenset(n for n in seen if n not in expressions)
