"""The optimization spec (``lotflow optimize --spec SPEC.yaml``), validated with pydantic.

A spec names decision variables on scenario field paths (the ``--set`` paths
of :mod:`lotflow.experiment.paths`), linear constraints over the variable
names, an objective (maximize or minimize a results metric, or minimize the
cost of the levers under requirements) and a budget. Every error is one
:class:`~lotflow.scenario.errors.ScenarioError` naming the spec file and the
field path inside it (``variables.b1.integers``, ``constraints[0]``), which
the CLI turns into exit code 2.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lotflow.scenario.errors import ScenarioError, format_path

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
PositiveInt = Annotated[int, Field(ge=1, strict=True)]
COST = "cost"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Variable(_Model):
    """One lever: a scenario path and its allowed values.

    ``integers: [lo, hi]`` (inclusive, every ``step``), ``choices: [v1, v2, ...]``
    (any YAML values) or ``choices: {label: value, ...}`` (the labels are the
    variable's values in constraints, costs and answers; the values go to the
    path, e.g. whole blocks), or ``length: [n1, n2, ...]`` for a list path (``lines``):
    the list keeps its first ``n`` items, or grows with copies of item
    ``copy_of`` renamed ``<name>_copy<k>``.
    """

    path: str
    integers: tuple[int, int] | None = None
    step: PositiveInt = 1
    choices: list[Any] | dict[Any, Any] | None = Field(default=None, min_length=1)
    length: list[PositiveInt] | None = Field(default=None, min_length=1)
    copy_of: Annotated[int, Field(ge=0, strict=True)] = 0

    @model_validator(mode="after")
    def _one_kind(self) -> Variable:
        kinds = [k for k in ("integers", "choices", "length") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give one of integers: [lo, hi], choices: [...], length: [...]")
        if self.integers is not None and self.integers[0] > self.integers[1]:
            raise ValueError(f"empty range {list(self.integers)}: the low end exceeds the high end")
        for kind in ("choices", "length"):
            values = getattr(self, kind)
            if values is not None and len({repr(v) for v in values}) != len(values):
                raise ValueError(f"{kind} repeats a value")
        return self

    @property
    def values(self) -> list[Any]:
        """Every allowed value, in order."""
        if self.integers is not None:
            return list(range(self.integers[0], self.integers[1] + 1, self.step))
        if self.choices is not None:
            return list(self.choices)  # a mapping's labels
        return list(self.length or [])

    def setting(self, value: Any) -> Any:
        """What a value writes at the path (a labelled choice's value, else itself)."""
        return self.choices[value] if isinstance(self.choices, dict) else value


class Requirement(_Model):
    """``metric`` must be ``at_least``/``at_most`` a bound with ``confidence``
    (one-sided: the probability, from a Student-t interval over replications,
    that the true mean is on the right side of the bound)."""

    metric: str
    at_least: float | None = None
    at_most: float | None = None
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)

    @model_validator(mode="after")
    def _one_bound(self) -> Requirement:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least, at_most")
        return self

    @property
    def bound(self) -> float:
        """The bound, whichever side it is on."""
        bound = self.at_least if self.at_least is not None else self.at_most
        assert bound is not None  # the validator asks for one
        return bound

    @property
    def sense(self) -> int:
        """+1 when larger is better (``at_least``), -1 otherwise."""
        return 1 if self.at_least is not None else -1


class Objective(_Model):
    """``maximize: METRIC``, ``minimize: METRIC`` or ``minimize: cost``."""

    maximize: str | None = None
    minimize: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Objective:
        if (self.maximize is None) == (self.minimize is None):
            raise ValueError("give exactly one of maximize, minimize")
        if self.maximize == COST:
            raise ValueError("cost can only be minimized")
        return self

    @property
    def metric(self) -> str:
        metric = self.maximize if self.maximize is not None else self.minimize
        assert metric is not None  # the validator asks for one
        return metric

    @property
    def sense(self) -> int:
        """+1 to maximize, -1 to minimize."""
        return 1 if self.maximize is not None else -1

    @property
    def is_cost(self) -> bool:
        return self.minimize == COST


class Budget(_Model):
    """How much search: ``evaluations`` (candidates simulated) and/or ``seconds``
    (wall time of the search; the selection and re-estimation come after)."""

    evaluations: PositiveInt | None = None
    seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _some(self) -> Budget:
        if self.evaluations is None and self.seconds is None:
            raise ValueError("give evaluations: N and/or seconds: S")
        return self


class Selection(_Model):
    """The final choice among the ``top`` best candidates of the search.

    ``indifference``: differences (or distances to a requirement's bound)
    smaller than this do not matter; a number in the metric's unit or a share
    of the best mean (``"0.1%"``). ``max_replications``: the cap per candidate.
    ``confirm``: fresh replications (independent seeds) that re-estimate the
    chosen candidate.
    """

    top: PositiveInt = 5
    indifference: float | str = "0.1%"
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    max_replications: PositiveInt = 100
    step: PositiveInt = 5
    confirm: Annotated[int, Field(ge=2, strict=True)] = 20

    @model_validator(mode="after")
    def _share(self) -> Selection:
        share = self.indifference
        if isinstance(share, str):
            if not re.fullmatch(r"\s*\d+(\.\d+)?\s*%\s*", share):
                raise ValueError(f"indifference {share!r}: a number or a share like '0.1%'")
        elif not share > 0:
            raise ValueError("indifference must be > 0")
        return self

    def indifference_for(self, scale: float) -> float:
        """The indifference zone in the metric's unit, for a metric of size ``scale``."""
        if isinstance(self.indifference, str):
            return float(self.indifference.strip().rstrip("%")) / 100.0 * abs(scale)
        return float(self.indifference)


class SpecModel(_Model):
    """The spec file as written (see docs/optimize.md)."""

    variables: dict[Name, Variable] = Field(min_length=1)
    constraints: list[str] = []
    objective: Objective
    costs: dict[str, float | dict[Any, float]] = {}
    requirements: list[Requirement] = []
    budget: Budget
    replications: Annotated[int, Field(ge=2, strict=True)] | None = None
    seed: Annotated[int, Field(ge=0, strict=True)] | None = None
    batch: PositiveInt = 8
    exhaustive: bool = True
    selection: Selection = Selection()


@dataclass(frozen=True)
class Constraint:
    """``sum(coefficients[v] * v) <op> rhs`` with ``op`` one of ``<=``, ``>=``, ``==``."""

    text: str
    coefficients: dict[str, float]
    op: str
    rhs: float

    def holds(self, values: dict[str, Any]) -> bool:
        total = sum(c * float(values[name]) for name, c in self.coefficients.items())
        tol = 1e-9 * max(1.0, abs(self.rhs))
        if self.op == "<=":
            return total <= self.rhs + tol
        if self.op == ">=":
            return total >= self.rhs - tol
        return abs(total - self.rhs) <= tol


@dataclass(frozen=True)
class Spec:
    """A validated spec: the model plus parsed constraints and its file name."""

    model: SpecModel
    constraints: list[Constraint]
    file: str

    @property
    def variables(self) -> dict[str, Variable]:
        return self.model.variables

    def error(self, message: str, path: str | None = None) -> ScenarioError:
        """An input error attributed to this spec file."""
        return ScenarioError(message, file=self.file, path=path)

    def metric_fields(self) -> dict[str, str]:
        """Every results metric the spec reads -> the spec field that names it first."""
        objective = self.model.objective
        out = {}
        if not objective.is_cost:
            side = "maximize" if objective.sense > 0 else "minimize"
            out[objective.metric] = f"objective.{side}"
        for i, req in enumerate(self.model.requirements):
            out.setdefault(req.metric, f"requirements[{i}].metric")
        return out

    def metrics(self) -> list[str]:
        """Every results metric the spec reads: the objective's, then the requirements'."""
        return list(self.metric_fields())


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file (structure, constraints; not yet the scenario paths)."""
    file = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read the spec ({exc})", file=file) from None
    return spec_from_dict(data, file)


def spec_from_dict(data: Any, file: str = "spec") -> Spec:
    """Validate plain data into a :class:`Spec` (``file`` names it in errors)."""
    if not isinstance(data, dict):
        raise ScenarioError("a spec is a mapping with variables:, objective:, budget:", file=file)
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        model = SpecModel.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = format_path(tuple(error["loc"])) or None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; docs/optimize.md lists the fields)"
        elif error["type"] == "missing":
            message = "required field is missing"
        raise ScenarioError(message, file=file, path=where) from None
    spec = Spec(model, [], file)
    constraints = [
        parse_constraint(text, model.variables, spec, f"constraints[{i}]")
        for i, text in enumerate(model.constraints)
    ]
    spec = Spec(model, constraints, file)
    _check_costs(spec)
    _check_objective(spec)
    return spec


# -- linear constraints -------------------------------------------------------------
_OPS = {ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "=="}
_NUMERIC = (int, float)


def parse_constraint(text: str, variables: dict[str, Variable], spec: Spec, where: str):
    """``"b1 + 2*b2 - b3 <= 12"`` -> :class:`Constraint`; anything not linear is an error."""
    try:
        tree = ast.parse(text.replace("=<", "<=").replace("=>", ">="), mode="eval").body
    except SyntaxError:
        raise spec.error(f"cannot read {text!r} (write e.g. 'b1 + b2 <= 12')", where) from None
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1 or type(tree.ops[0]) not in _OPS:
        raise spec.error(f"{text!r}: one comparison <=, >= or == between two sides", where)
    left = _linear(tree.left, variables, spec, where, text)
    right = _linear(tree.comparators[0], variables, spec, where, text)
    coefficients = {}
    for name in dict.fromkeys([*left[0], *right[0]]):
        c = left[0].get(name, 0.0) - right[0].get(name, 0.0)
        if c != 0.0:
            coefficients[name] = c
    if not coefficients:
        raise spec.error(f"{text!r} names no variable", where)
    return Constraint(text, coefficients, _OPS[type(tree.ops[0])], right[1] - left[1])


def _linear(node, variables, spec: Spec, where: str, text: str) -> tuple[dict[str, float], float]:
    """A linear expression as (coefficients, constant)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, _NUMERIC):
        return {}, float(node.value)
    if isinstance(node, ast.Name):
        var = variables.get(node.id)
        if var is None:
            known = ", ".join(variables)
            raise spec.error(f"{text!r}: unknown variable {node.id!r} (variables: {known})", where)
        if not all(isinstance(v, _NUMERIC) and not isinstance(v, bool) for v in var.values):
            raise spec.error(f"{text!r}: {node.id!r} has values that are not numbers", where)
        return {node.id: 1.0}, 0.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        coeffs, const = _linear(node.operand, variables, spec, where, text)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return {k: sign * v for k, v in coeffs.items()}, sign * const
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        a, b = (_linear(n, variables, spec, where, text) for n in (node.left, node.right))
        sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
        coeffs = dict(a[0])
        for k, v in b[0].items():
            coeffs[k] = coeffs.get(k, 0.0) + sign * v
        return coeffs, a[1] + sign * b[1]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
        a, b = (_linear(n, variables, spec, where, text) for n in (node.left, node.right))
        if isinstance(node.op, ast.Mult) and (not a[0] or not b[0]):
            (coeffs, const), factor = (b, a[1]) if not a[0] else (a, b[1])
            return {k: v * factor for k, v in coeffs.items()}, const * factor
        if isinstance(node.op, ast.Div) and not b[0] and b[1] != 0:
            return {k: v / b[1] for k, v in a[0].items()}, a[1] / b[1]
    raise spec.error(
        f"{text!r} is not linear (allowed: numbers, variable names, +, -, number * name)", where
    )


# -- cross-checks -------------------------------------------------------------------
def _check_costs(spec: Spec) -> None:
    m = spec.model
    for name, cost in m.costs.items():
        where = f"costs.{name}"
        var = m.variables.get(name)
        if var is None:
            raise spec.error(f"unknown variable (variables: {', '.join(m.variables)})", where)
        if isinstance(cost, dict):
            allowed = {value_key(v) for v in var.values}
            for value in cost:
                if value_key(value) not in allowed:
                    raise spec.error(f"{value!r} is not a value of {name}", f"{where}.{value}")
        elif var.choices is not None and not all(_is_number(v) for v in var.choices):
            raise spec.error("a cost per unit needs numeric values; map each value", where)
    if m.objective.is_cost and not m.requirements:
        raise spec.error("minimize: cost needs requirements (else the base is free)", "objective")
    if m.objective.is_cost and not m.costs:
        raise spec.error("minimize: cost needs costs: for the variables", "costs")


def _check_objective(spec: Spec) -> None:
    for metric, where in spec.metric_fields().items():
        if not re.fullmatch(r"(lines|plant)(\.[A-Za-z0-9_\-]+)+", metric):
            raise spec.error(
                f"{metric!r} is not a metric path (lines.<line>.<metric> or plant.<metric>, "
                "e.g. lines.L1.throughput, plant.units.accepted)",
                where,
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMERIC) and not isinstance(value, bool)


def value_key(value: Any) -> str:
    """Values compare by their YAML text, so cost keys ``3`` and ``"3"`` both match 3."""
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def one_sided_t(confidence: float, dof: int) -> float:
    """Student-t quantile for a one-sided bound with ``confidence`` (``inf`` when dof < 1)."""
    from scipy.stats import t

    return math.inf if dof < 1 else float(t.ppf(confidence, dof))
