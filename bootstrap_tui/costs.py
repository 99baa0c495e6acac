"""Expected monthly cost of what each step turns on, from the dated prices in prices.yaml.

The estimate multiplies published us-east-1 list prices by counts taken from the
profile and the plan (accounts x governed regions) and by named usage assumptions
kept in the same data file, so it works before any account exists. It is a steady-state
monthly figure after free trials; docs/costs.md explains the model. No UI imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Mapping

import yaml

from bootstrap_tui.errors import ConfigError

PRICES_FILE = Path(__file__).with_name("prices.yaml")
DAYS_PER_MONTH = 30


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Price:
    """One published price: `usd` per `per` units (None when no figure was found)."""

    key: str
    usd: float | None
    per: float
    unit: str
    title: str
    url: str
    recorded: dt.date
    note: str = ""

    def cost(self, quantity: float) -> float:
        if self.usd is None:
            raise ConfigError(f"prices.yaml: {self.key} has no published price")
        return quantity / self.per * self.usd

    def rate(self) -> str:
        """Short text such as "$4.00 per 1,000,000 CloudTrail management events analysed"."""
        per = f"{self.per:,.0f} " if self.per != 1 else ""
        unit = self.unit.split(" (")[0].split(", ")[0]
        return f"{money(self.usd or 0.0, exact=True)} per {per}{unit}"


@dataclass(frozen=True)
class Assumption:
    key: str
    value: float
    unit: str
    why: str


@dataclass(frozen=True)
class PriceBook:
    recorded: dt.date
    region: str
    currency: str
    prices: Mapping[str, Price]
    assumptions: Mapping[str, Assumption]

    def price(self, key: str) -> Price:
        return self.prices[key]

    def value(self, key: str) -> float:
        return self.assumptions[key].value


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"prices.yaml: {where}: expected a date such as 2026-12-03, got {value!r}"
        ) from None


def _price(key: str, raw: Any) -> Price:
    if not isinstance(raw, dict):
        raise ConfigError(f"prices.yaml: prices.{key}: expected a mapping")
    source = raw.get("source") or {}
    if not source.get("title") or not source.get("url"):
        raise ConfigError(f"prices.yaml: prices.{key}: needs source.title and source.url")
    usd = raw.get("usd")
    if usd is None and not raw.get("missing"):
        raise ConfigError(f"prices.yaml: prices.{key}: usd is empty; say why under `missing`")
    return Price(
        key,
        None if usd is None else float(usd),
        float(raw.get("per") or 1),
        str(raw.get("unit") or ""),
        str(source["title"]),
        str(source["url"]),
        _date(raw.get("recorded"), f"prices.{key}.recorded"),
        str(raw.get("missing") or raw.get("note") or "").strip(),
    )


def parse_prices(data: Any) -> PriceBook:
    """A PriceBook from the parsed YAML; ConfigError names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict):
        raise ConfigError("prices.yaml: expected a mapping with `prices` and `assumptions`")
    prices = {key: _price(key, raw) for key, raw in data["prices"].items()}
    assumptions = {}
    for key, raw in (data.get("assumptions") or {}).items():
        if not isinstance(raw, dict) or not isinstance(raw.get("value"), (int, float)):
            raise ConfigError(f"prices.yaml: assumptions.{key}: needs a numeric value")
        assumptions[key] = Assumption(
            key,
            float(raw["value"]),
            str(raw.get("unit") or ""),
            " ".join(str(raw.get("why") or "").split()),
        )
    return PriceBook(
        _date(data.get("recorded"), "recorded"),
        str(data.get("region") or ""),
        str(data.get("currency") or "USD"),
        prices,
        assumptions,
    )


_BOOK: PriceBook | None = None


def load_prices(path: Path | None = None) -> PriceBook:
    """The shipped price book (cached), or the one at `path`."""
    global _BOOK
    if path is None and _BOOK is not None:
        return _BOOK
    try:
        data = yaml.safe_load((path or PRICES_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the price data {path or PRICES_FILE}: {exc}") from None
    book = parse_prices(data)
    if path is None:
        _BOOK = book
    return book


# ------------------------------------------------------------------ estimate


@dataclass(frozen=True)
class Counts:
    """What the prices multiply: accounts (management included) and governed regions."""

    accounts: int
    regions: int

    @property
    def members(self) -> int:
        return max(0, self.accounts - 1)

    def to_dict(self) -> dict[str, int]:
        return {"accounts": self.accounts, "regions": self.regions}


@dataclass(frozen=True)
class CostLine:
    item: str
    monthly_usd: float
    basis: str
    prices: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "monthly_usd": round(self.monthly_usd, 2),
            "basis": self.basis,
            "prices": list(self.prices),
            "assumptions": list(self.assumptions),
        }


@dataclass
class StepCost:
    step_id: str
    counts: Counts
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    def assumption_keys(self) -> list[str]:
        return list(dict.fromkeys(k for line in self.lines for k in line.assumptions))

    def to_dict(self, book: PriceBook) -> dict[str, Any]:
        return {
            "monthly_usd": round(self.total, 2),
            "currency": book.currency,
            "region_priced": book.region,
            "prices_recorded": book.recorded.isoformat(),
            "counts": self.counts.to_dict(),
            "lines": [line.to_dict() for line in self.lines],
        }


def counts_for(profile: Any, regions: Iterable[str], org_account_ids: Iterable[str] = ()) -> Counts:
    """Accounts = the management account + the profile's accounts, or the organization's
    accounts when it already has more; regions = the governed regions."""
    planned = 1 + len(profile.accounts)
    existing = len(set(org_account_ids))
    return Counts(max(planned, existing), max(1, len(list(regions))))


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


class _Lines:
    """Builds the cost lines of one step."""

    def __init__(self, book: PriceBook, counts: Counts):
        self.book, self.c = book, counts
        self.out: list[CostLine] = []

    def free(self, item: str, price: str, why: str) -> None:
        self.out.append(CostLine(item, 0.0, why, (price,)))

    def usage(
        self,
        item: str,
        price: str,
        scope: tuple[int, str],
        assumption: str,
        extra: float = 1.0,
        extra_text: str = "",
    ) -> None:
        """scope (count, label) x the assumption's value x extra, priced at `price`."""
        count, label = scope
        a = self.book.assumptions[assumption]
        quantity = count * a.value * extra
        p = self.book.price(price)
        basis = f"{label} × {_n(a.value)} {a.unit.split(' per ')[0]}{extra_text} × {p.rate()}"
        self.out.append(CostLine(item, p.cost(quantity), basis, (price,), (assumption,)))

    def fixed(self, item: str, price: str, count: float, label: str) -> None:
        p = self.book.price(price)
        self.out.append(CostLine(item, p.cost(count), f"{label} × {p.rate()}", (price,)))

    def account_regions(self, accounts: int | None = None) -> tuple[int, str]:
        n = self.c.accounts if accounts is None else accounts
        return n * self.c.regions, f"{n} account(s) × {self.c.regions} region(s)"

    def stored_logs(
        self,
        item: str,
        monthly_gb: float,
        scope_text: str,
        assumption: str,
        retention_days: int,
        glacier_days: int | None,
    ) -> None:
        """Steady-state S3 storage once the retention period has filled."""
        std_days = retention_days if glacier_days is None else min(retention_days, glacier_days)
        cold_days = max(0, retention_days - std_days)
        std, cold = self.book.price("s3_standard_gb"), self.book.price("s3_glacier_gb")
        usd = std.cost(monthly_gb * std_days / DAYS_PER_MONTH)
        usd += cold.cost(monthly_gb * cold_days / DAYS_PER_MONTH)
        where = (
            f"{std_days} d in S3 Standard, {cold_days} d in Glacier"
            if cold_days
            else f"{std_days} d in S3 Standard"
        )
        self.out.append(
            CostLine(
                item,
                usd,
                f"{scope_text} = {_n(round(monthly_gb, 3))} GB/month kept {retention_days} d "
                f"({where}) × {std.rate()}" + (f", {cold.rate()}" if cold_days else ""),
                ("s3_standard_gb", "s3_glacier_gb") if cold_days else ("s3_standard_gb",),
                (assumption,),
            )
        )


def _flow_logs(book: PriceBook, profile: Any, c: Counts) -> list[CostLine]:
    """VPC flow logs to S3 (both paths: the log-archive step owns them)."""
    logs = profile.log_archive
    if not logs.flow_logs.enabled:
        return []
    out = _Lines(book, c)
    scope = out.account_regions()
    out.usage(
        "VPC flow logs delivered to S3 (vended logs)",
        "vended_logs_s3_gb",
        scope,
        "flow_log_gb_per_account_region",
    )
    out.stored_logs(
        "S3 storage of VPC flow logs",
        scope[0] * book.value("flow_log_gb_per_account_region"),
        f"{scope[1]} × {_n(book.value('flow_log_gb_per_account_region'))} GB",
        "flow_log_gb_per_account_region",
        logs.retention_days,
        None,
    )
    return out.out


def _log_archive(book: PriceBook, profile: Any, c: Counts) -> list[CostLine]:
    if profile.control_tower_enabled:
        # Control Tower owns the trail and the bucket (see the control-tower step); flow logs are ours
        return _flow_logs(book, profile, c)
    out = _Lines(book, c)
    logs = profile.log_archive
    out.free(
        "CloudTrail organization trail",
        "cloudtrail_first_copy",
        "first copy of management events is free",
    )
    out.fixed("KMS key for the trail logs", "kms_key", 1, "1 key")
    out.usage(
        "KMS requests of log delivery",
        "kms_requests",
        out.account_regions(),
        "log_deliveries_per_account_region",
    )
    gb = c.accounts * book.value("cloudtrail_log_gb_per_account")
    out.stored_logs(
        "S3 storage of CloudTrail logs",
        gb,
        f"{c.accounts} account(s) × {_n(book.value('cloudtrail_log_gb_per_account'))} GB",
        "cloudtrail_log_gb_per_account",
        logs.retention_days,
        None,
    )
    out.usage(
        "S3 PUT requests of log delivery",
        "s3_put",
        out.account_regions(),
        "log_deliveries_per_account_region",
    )
    return out.out + _flow_logs(book, profile, c)


def _control_tower(book: PriceBook, profile: Any, c: Counts) -> list[CostLine]:
    if not profile.control_tower_enabled:
        return []
    out = _Lines(book, c)
    ct = profile.control_tower
    out.free("AWS Control Tower", "controltower", "no charge for Control Tower itself")
    out.free(
        "CloudTrail organization trail",
        "cloudtrail_first_copy",
        "first copy of management events is free",
    )
    out.usage(
        "AWS Config recording in enrolled accounts",
        "config_item_continuous",
        out.account_regions(c.members),
        "config_items_per_account_region",
    )
    controls = len(ct.controls)
    if controls:
        out.usage(
            "Config rule evaluations of detective controls",
            "config_rule_evaluation",
            out.account_regions(c.members),
            "config_evaluations_per_control_account_region",
            controls,
            f" × {controls} control(s)",
        )
    out.usage(
        "CloudWatch Logs ingestion of the trail",
        "cloudwatch_logs_ingest_gb",
        (c.accounts, f"{c.accounts} account(s)"),
        "cloudtrail_log_gb_per_account",
    )
    out.usage(
        "CloudWatch Logs storage of the trail",
        "cloudwatch_logs_storage_gb",
        (c.accounts, f"{c.accounts} account(s)"),
        "cloudtrail_log_gb_per_account",
        book.value("cloudwatch_logs_months_kept"),
        f" × {_n(book.value('cloudwatch_logs_months_kept'))} month(s) kept",
    )
    if ct.kms:
        out.fixed("KMS key for the landing zone logs", "kms_key", 1, "1 key")
        out.usage(
            "KMS requests of log delivery",
            "kms_requests",
            out.account_regions(),
            "log_deliveries_per_account_region",
        )
    trail_gb = c.accounts * book.value("cloudtrail_log_gb_per_account")
    out.stored_logs(
        "S3 storage of CloudTrail logs",
        trail_gb,
        f"{c.accounts} account(s) × {_n(book.value('cloudtrail_log_gb_per_account'))} GB",
        "cloudtrail_log_gb_per_account",
        profile.log_archive.retention_days,
        None,
    )
    config_gb = c.members * c.regions * book.value("config_log_gb_per_account_region")
    out.stored_logs(
        "S3 storage of Config files",
        config_gb,
        f"{c.members * c.regions} "
        f"account-region(s) × {_n(book.value('config_log_gb_per_account_region'))} GB",
        "config_log_gb_per_account_region",
        profile.log_archive.retention_days,
        None,
    )
    out.usage(
        "S3 PUT requests of log delivery",
        "s3_put",
        out.account_regions(),
        "log_deliveries_per_account_region",
    )
    return out.out


def _guardduty(out: _Lines) -> None:
    scope = out.account_regions()
    out.usage(
        "GuardDuty: CloudTrail management events",
        "guardduty_cloudtrail_events",
        scope,
        "cloudtrail_events_per_account_region",
    )
    out.usage(
        "GuardDuty: VPC flow and DNS logs",
        "guardduty_flow_dns_gb",
        scope,
        "flow_dns_gb_per_account_region",
    )
    for item, price, assumption in (
        (
            "GuardDuty S3 Protection (on by default)",
            "guardduty_s3_data_events",
            "s3_data_events_per_account_region",
        ),
        (
            "GuardDuty EKS Protection (on by default)",
            "guardduty_eks_audit_events",
            "eks_audit_events_per_account_region",
        ),
        (
            "GuardDuty Malware Protection for EC2 (on by default)",
            "guardduty_malware_ebs_gb",
            "malware_gb_scanned_per_account_region",
        ),
        (
            "GuardDuty RDS Protection (on by default)",
            "guardduty_rds_vcpu",
            "rds_vcpus_per_account_region",
        ),
        (
            "GuardDuty Lambda Protection (on by default)",
            "guardduty_lambda_gb",
            "lambda_network_gb_per_account_region",
        ),
    ):
        out.usage(item, price, scope, assumption)


def _securityhub(out: _Lines, standards: int) -> None:
    book, scope = out.book, out.account_regions()
    out.usage(
        "Security Hub security checks",
        "securityhub_check",
        scope,
        "securityhub_checks_per_standard_account_region",
        standards,
        f" × {standards} standard(s)",
    )
    events = book.value("securityhub_finding_events_per_account_region")
    billable = max(0.0, events - 10_000)
    p = book.price("securityhub_finding_event")
    out.out.append(
        CostLine(
            "Security Hub finding ingestion",
            p.cost(scope[0] * billable),
            f"{scope[1]} × ({_n(events)} events - 10,000 free) × {p.rate()}",
            (p.key,),
            ("securityhub_finding_events_per_account_region",),
        )
    )


INSPECTOR_COSTS = {
    "EC2": (
        ("Inspector EC2 scanning", "inspector_ec2_instance", "ec2_instances_per_account_region"),
    ),
    "ECR": (
        (
            "Inspector ECR scans on push",
            "inspector_ecr_image",
            "ecr_images_pushed_per_account_region",
        ),
        ("Inspector ECR rescans", "inspector_ecr_rescan", "ecr_rescans_per_account_region"),
    ),
    "LAMBDA": (
        (
            "Inspector Lambda standard scanning",
            "inspector_lambda_function",
            "lambda_functions_per_account_region",
        ),
    ),
    "LAMBDA_CODE": (
        (
            "Inspector Lambda code scanning",
            "inspector_lambda_code_function",
            "lambda_functions_per_account_region",
        ),
    ),
}


def _inspector(out: _Lines, scan_types: list[str]) -> None:
    scope = out.account_regions()
    for kind in scan_types:
        for item, price, assumption in INSPECTOR_COSTS[kind]:
            out.usage(item, price, scope, assumption)


def _backup(out: _Lines, profile: Any) -> None:
    """AWS Backup: the vaults, policy and roles are free; the workload accounts' recovery points
    are billed as warm storage."""
    targets = tuple(profile.security_services.backup.target_ous)
    workloads = sum(
        1 for a in profile.accounts if any(a.ou == t or a.ou.startswith(t + "/") for t in targets)
    )
    out.free(
        "AWS Backup policy, vaults and Vault Lock",
        "backup_warm_gb_month",
        "backup policies, vaults and locks are free; storage and restores are billed",
    )
    out.usage(
        "AWS Backup warm storage",
        "backup_warm_gb_month",
        out.account_regions(workloads),
        "backup_gb_per_workload_account_region",
    )


def _security_services(book: PriceBook, profile: Any, c: Counts) -> list[CostLine]:
    out = _Lines(book, c)
    ss = profile.security_services
    if ss.guardduty.enabled:
        _guardduty(out)
    if ss.securityhub.enabled:
        _securityhub(out, max(1, len(ss.securityhub.standards)))
    if ss.config.enabled:
        # with Control Tower, recorders are added only where Control Tower has none (management)
        recording = 1 if profile.control_tower_enabled else c.accounts
        out.usage(
            "AWS Config recording",
            "config_item_continuous",
            out.account_regions(recording),
            "config_items_per_account_region",
        )
        if not profile.control_tower_enabled:
            logs = profile.log_archive
            gb = recording * c.regions * book.value("config_log_gb_per_account_region")
            out.stored_logs(
                "S3 storage of Config files",
                gb,
                f"{recording * c.regions} "
                f"account-region(s) × "
                f"{_n(book.value('config_log_gb_per_account_region'))} GB",
                "config_log_gb_per_account_region",
                logs.retention_days,
                None,
            )
    inspector = ss.inspector
    if inspector.enabled:
        _inspector(out, list(inspector.scan_types))
    if ss.backup.enabled:
        _backup(out, profile)
    if ss.access_analyzer.enabled:
        out.free(
            "IAM Access Analyzer (organization, external access)",
            "access_analyzer_external",
            "external access analyzers are free",
        )
    if ss.budget:
        out.free(
            "AWS Budgets: 1 cost budget with email alerts",
            "budget_day",
            "budgets without actions are free",
        )
    return out.out


ESTIMATORS: dict[str, Callable[[PriceBook, Any, Counts], list[CostLine]]] = {
    "control-tower": _control_tower,
    "log-archive": _log_archive,
    "security-services": _security_services,
}


def estimate_step(
    step_id: str, profile: Any, counts: Counts, book: PriceBook | None = None
) -> StepCost | None:
    """The monthly cost of what `step_id` turns on, or None when it turns on nothing billable."""
    estimator = ESTIMATORS.get(step_id)
    lines = estimator(book or load_prices(), profile, counts) if estimator else []
    return StepCost(step_id, counts, lines) if lines else None


# ------------------------------------------------------------------ front ends


def engine_counts(engine: Any) -> Counts:
    """Counts for a connected engine: the profile's accounts, or the organization's
    accounts already listed (never an extra AWS call, so the TUI thread can use it)."""
    known = getattr(engine, "_org_accounts", None) or []
    return counts_for(engine.profile, engine.governed_regions, [a.get("Id") for a in known])


def plan_cost(engine: Any, plan: Any) -> StepCost | None:
    """The cost estimate of a plan's step, or None (skipped, or nothing billable)."""
    if getattr(plan, "skipped", None) or plan.step_id not in ESTIMATORS:
        return None
    return estimate_step(plan.step_id, engine.profile, engine_counts(engine))


def money(usd: float, exact: bool = False) -> str:
    if exact and usd and abs(usd) < 0.01:
        return f"${usd:.5f}".rstrip("0")
    if exact and usd and round(usd, 2) != round(usd, 4):
        return f"${usd:.4f}".rstrip("0")
    return f"${usd:,.2f}"


def cost_lines(cost: StepCost | None) -> list[str]:
    """Text lines of one step's estimate (empty when there is none)."""
    if cost is None:
        return []
    c = cost.counts
    out = [
        f"Expected monthly cost: ~{money(cost.total)} "
        f"({c.accounts} account(s) × {c.regions} governed region(s); us-east-1 list prices)"
    ]
    out += [f"  {money(line.monthly_usd):>9}  {line.item}: {line.basis}" for line in cost.lines]
    return out


def total_lines(costs: Iterable[StepCost | None], book: PriceBook | None = None) -> list[str]:
    """The total of all steps, the price date and the assumptions behind it."""
    book = book or load_prices()
    known = [c for c in costs if c is not None]
    if not known:
        return []
    total = sum(c.total for c in known)
    keys = list(dict.fromkeys(k for c in known for k in c.assumption_keys()))
    out = [
        f"Estimated monthly total: ~{money(total)} (prices for {book.region} recorded "
        f"{book.recorded.isoformat()}, after free trials; see docs/costs.md)",
        "Assumptions (per month; edit bootstrap_tui/prices.yaml to change them):",
    ]
    for key in keys:
        a = book.assumptions[key]
        out.append(f"  {key} = {_n(a.value)} {a.unit}")
    return out


def totals_dict(costs: Iterable[StepCost | None], book: PriceBook | None = None) -> dict[str, Any]:
    """The JSON form of the total (additive field of `plan --format json`)."""
    book = book or load_prices()
    known = [c for c in costs if c is not None]
    keys = list(dict.fromkeys(k for c in known for k in c.assumption_keys()))
    return {
        "monthly_usd": round(sum(c.total for c in known), 2),
        "currency": book.currency,
        "region_priced": book.region,
        "prices_recorded": book.recorded.isoformat(),
        "assumptions": {
            k: {
                "value": book.assumptions[k].value,
                "unit": book.assumptions[k].unit,
                "why": book.assumptions[k].why,
            }
            for k in keys
        },
    }
