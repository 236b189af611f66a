"""A monthly cost estimate, priced from the resources a plan registers.

Owns the shape of an estimate (line items, usage-dependent items, free tiers, what is not
priced) and the walk over a plan's resources that dispatches each one to its provider's
pricer (`phxstack.cost.gcp`, `phxstack.cost.fly`) by type token. Because it reads only the
`plan --json` resource list, it prices exactly what `pulumi up` would create, and it prices a
base branch's saved plan the same way.

Money is `Decimal`: each line's monthly amount is rounded half-up to the cent, and totals are
sums of rounded lines, so a total can be checked by hand against the lines printed. A type
this module does not know is listed as not priced, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from config.usage import Usage
from phxstack.cost.prices import COMPILED, FLY_HOURS_PER_MONTH, GCP_HOURS_PER_MONTH, Price

CENT = Decimal("0.01")
UNKNOWN = "[unknown]"
STACK = "(stack)"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Resource:
    """The slice of one `plan --json` resource the pricers read."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Resource:
        return cls(data["urn"], data["type"], data["name"], data.get("inputs") or {})


@dataclass(frozen=True)
class Line:
    """One billed component of one resource: quantity x unit price, as Infracost prints it.

    `quantity` is None when the component depends on usage that has no assumption; it is then
    shown with its unit price and left out of every total. `usage_key` names the `usage:` key
    the quantity comes from (None for a fixed component).
    """

    resource: str
    type: str
    urn: str | None
    component: str
    unit: str
    quantity: Decimal | None
    price: Price
    unit_price: Decimal  # USD per `price.per` units (the list price, or adjusted: see `note`)
    usage_key: str | None = None
    note: str = ""

    @property
    def monthly(self) -> Decimal | None:
        if self.quantity is None:
            return None
        return cents(self.quantity * self.unit_price / self.price.per)

    @property
    def kind(self) -> str:
        """fixed | usage (at an assumption) | depends (no assumption: not in the total)."""
        if self.usage_key is None:
            return "fixed"
        return "usage" if self.quantity is not None else "depends"


@dataclass(frozen=True)
class NotPriced:
    resource: str
    type: str
    urn: str | None
    reason: str


@dataclass(frozen=True)
class FreeTier:
    """A free allowance that would lower the bill, if this stack alone used it."""

    name: str
    allowance: str
    monthly: Decimal
    source: str


@dataclass
class Estimate:
    provider: str
    hours_per_month: int
    lines: list[Line] = field(default_factory=list)
    not_priced: list[NotPriced] = field(default_factory=list)
    free_tiers: list[FreeTier] = field(default_factory=list)
    no_charge: list[tuple[str, str]] = field(default_factory=list)  # (resource, type)
    assumptions: dict[str, tuple[Any, bool]] = field(default_factory=dict)  # key -> (value, set?)

    def of_kind(self, kind: str) -> list[Line]:
        return [line for line in self.lines if line.kind == kind]

    @property
    def fixed_total(self) -> Decimal:
        return sum((line.monthly or Decimal(0) for line in self.of_kind("fixed")), Decimal(0))

    @property
    def usage_total(self) -> Decimal:
        return sum((line.monthly or Decimal(0) for line in self.of_kind("usage")), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.fixed_total + self.usage_total

    @property
    def free_tier_total(self) -> Decimal:
        return sum((f.monthly for f in self.free_tiers), Decimal(0))

    @property
    def complete(self) -> bool:
        return not self.not_priced

    def to_json(self) -> dict[str, Any]:
        """The `cost` key of `plan --json` (see phxstack/plan.schema.json)."""

        def line(item: Line) -> dict[str, Any]:
            return {
                "resource": item.resource,
                "type": item.type,
                "urn": item.urn,
                "component": item.component,
                "quantity": _num(item.quantity),
                "unit": item.unit,
                "unit_price": _num(item.unit_price),
                "price_per": item.price.per,
                "monthly": _num(item.monthly),
                "usage_key": item.usage_key,
                "price_key": item.price.key,
                "source": item.price.source,
                "as_of": item.price.as_of,
                "note": item.note,
            }

        return {
            "currency": "USD",
            "monthly_total": _num(self.total),
            "fixed_monthly": _num(self.fixed_total),
            "usage_monthly": _num(self.usage_total),
            "free_tier_monthly": _num(self.free_tier_total),
            "complete": self.complete,
            "hours_per_month": self.hours_per_month,
            "prices_compiled": COMPILED,
            "items": [line(i) for i in self.of_kind("fixed")],
            "usage_items": [line(i) for i in self.of_kind("usage")],
            "depends_on_usage": [line(i) for i in self.of_kind("depends")],
            "free_tiers": [
                {
                    "name": f.name,
                    "allowance": f.allowance,
                    "monthly": _num(f.monthly),
                    "source": f.source,
                }
                for f in self.free_tiers
            ],
            "not_priced": [
                {"resource": n.resource, "type": n.type, "urn": n.urn, "reason": n.reason}
                for n in self.not_priced
            ],
            "no_charge": [{"resource": r, "type": t} for r, t in self.no_charge],
            "usage": {
                key: {"value": value, "set": explicit}
                for key, (value, explicit) in self.assumptions.items()
            },
        }


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Context:
    """What a pricer may read besides its own resource: the whole plan and the usage."""

    resources: list[Resource]
    usage: Usage
    estimate: Estimate
    # Quantities summed over resources for the per-account free tiers, by allowance key.
    free_use: dict[str, Decimal] = field(default_factory=dict)

    def add_free_use(self, key: str, quantity: Decimal) -> None:
        self.free_use[key] = self.free_use.get(key, Decimal(0)) + quantity

    def usage_value(self, key: str) -> Decimal | None:
        value = getattr(self.usage, key)
        return None if value is None else Decimal(str(value))

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]


Priced = list[Line | NotPriced]
Pricer = Callable[[Resource, Context], Priced]


def line(
    r: Resource,
    component: str,
    unit: str,
    quantity: Decimal | None,
    price: Price,
    *,
    unit_price: Decimal | None = None,
    usage_key: str | None = None,
    note: str = "",
    resource: str | None = None,
) -> Line:
    return Line(
        resource=resource or r.name,
        type=r.type,
        urn=None if resource == STACK else r.urn,
        component=component,
        unit=unit,
        quantity=quantity,
        price=price,
        unit_price=price.value if unit_price is None else unit_price,
        usage_key=usage_key,
        note=note,
    )


def stack_usage(
    ctx: Context,
    r: Resource,
    component: str,
    unit: str,
    *,
    usage_key: str,
    price: Price,
    free_use: str | None = None,
) -> None:
    """A usage item of the whole stack (egress, snapshots), priced at `r`'s price."""
    quantity = ctx.usage_value(usage_key)
    ctx.estimate.lines.append(
        line(r, component, unit, quantity, price, usage_key=usage_key, resource=STACK)
    )
    if quantity and free_use:
        ctx.add_free_use(free_use, quantity)


def add_free_tier(
    est: Estimate, name: str, allowance: str, quantity: Decimal, price: Price
) -> None:
    """List a free allowance at what it would take off this stack's bill."""
    est.free_tiers.append(
        FreeTier(name, allowance, cents(quantity * price.value / price.per), price.source)
    )


def add_free_tiers(
    ctx: Context,
    tiers: Iterable[tuple[str, str, str, str]],
    allowances: Mapping[str, Price],
    prices: Mapping[str, Price],
) -> None:
    """Each (use key, name, allowance key, price key) the stack used, at what it would save."""
    for use_key, name, free_key, price_key in tiers:
        used = ctx.free_use.get(use_key)
        if used:
            allowance = allowances[free_key]
            add_free_tier(
                ctx.estimate,
                name,
                f"{allowance.value:,} {allowance.unit} a month",
                min(used, allowance.value),
                prices[price_key],
            )


def not_priced(r: Resource, reason: str) -> NotPriced:
    return NotPriced(r.name, r.type, r.urn, reason)


def known(value: Any) -> bool:
    """False for a value only the cloud knows (`[unknown]`) or a secret (`[secret]`)."""
    if value in (UNKNOWN, "[secret]"):
        return False
    if isinstance(value, Mapping):
        return all(known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(known(v) for v in value)
    return True


# Types with no charge of their own, and why: listed once, so a new type is a decision.
NO_CHARGE: dict[str, str] = {
    "gcp:projects/service:Service": "enabling an API is free",
    "gcp:compute/network:Network": "a VPC network has no charge of its own",
    "gcp:compute/subnetwork:Subnetwork": "a subnet has no charge of its own",
    "gcp:serviceaccount/account:Account": "service accounts are free",
    "gcp:secretmanager/secret:Secret": "billed by its versions",
    "gcp:sql/database:Database": "a database inside the priced Cloud SQL instance",
    "gcp:sql/user:User": "a user of the priced Cloud SQL instance",
    "gcp:servicenetworking/connection:Connection": "private services access peering is free",
    "gcp:cloudrun/domainMapping:DomainMapping": "domain mappings are free",
    "gcp:storage/hmacKey:HmacKey": "HMAC keys are free",
    "docker:index/image:Image": "stored in the priced Artifact Registry repository",
    "docker-build:index:Image": "stored in the priced Artifact Registry repository",
    "time:index/sleep:Sleep": "a wait inside Pulumi, not a cloud resource",
    "command:local:Command": "a command run where Pulumi runs; the job it starts is priced there",
    "pulumi-python:dynamic/fly:App": "an app is free; its machines are priced on Scale",
    "pulumi-python:dynamic/fly:Secrets": "app secrets are free",
    "pulumi-python:dynamic/fly:Deploy": "a release; its machines are priced on Scale",
}
# Whole families with no charge: generated values, and IAM bindings (IAM has no price).
NO_CHARGE_PREFIXES = ("random:",)
IAM_SUFFIXES = ("IamMember", "IAMMember", "IamBinding", "IAMBinding", "IamPolicy", "IAMPolicy")


def no_charge_reason(type_token: str) -> str | None:
    if type_token in NO_CHARGE:
        return NO_CHARGE[type_token]
    if type_token.startswith(NO_CHARGE_PREFIXES):
        return "generated inside Pulumi, not a cloud resource"
    if type_token.rsplit(":", 1)[-1].endswith(IAM_SUFFIXES):
        return "IAM bindings are free"
    return None


def estimate(
    resources: Iterable[Mapping[str, Any]], provider: str, usage: Usage | None = None
) -> Estimate:
    """Price every cloud resource in a plan's `resources` list for one month."""
    from phxstack.cost import fly, gcp

    usage = usage or Usage()
    pricers: dict[str, Pricer] = {**gcp.PRICERS, **fly.PRICERS}
    hours = FLY_HOURS_PER_MONTH if provider == "fly" else GCP_HOURS_PER_MONTH
    result = Estimate(provider, hours)
    custom = [Resource.of(r) for r in resources if r.get("custom", True)]
    ctx = Context(custom, usage, result)
    for r in custom:
        pricer = pricers.get(r.type)
        if pricer is None:
            reason = no_charge_reason(r.type)
            if reason is not None:
                result.no_charge.append((r.name, r.type))
            else:
                result.not_priced.append(
                    not_priced(r, "no price for this resource type in phxstack/cost")
                )
            continue
        priced = pricer(r, ctx)
        if not priced:
            result.no_charge.append((r.name, r.type))
        for item in priced:
            if isinstance(item, Line):
                result.lines.append(item)
            else:
                result.not_priced.append(item)
    (fly if provider == "fly" else gcp).stack_items(ctx)
    # The program registers concurrently, so its order can differ between runs: sort by
    # resource (stack-wide items last), keeping each resource's components in their order.
    result.lines.sort(key=lambda item: (item.resource == STACK, item.resource))
    result.not_priced.sort(key=lambda item: (item.resource == STACK, item.resource, item.reason))
    result.no_charge.sort()
    # The assumptions this estimate used, and whether infera.yaml set each or it is a default.
    used = {item.usage_key for item in result.lines if item.usage_key}
    result.assumptions = {
        key: (getattr(usage, key), key in usage.model_fields_set)
        for key in type(usage).model_fields
        if key in used
    }
    return result
