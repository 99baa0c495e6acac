"""Which baseline profile a run uses, and what changing it does to the steps.

The profile recorded in the state file is the one in use. Only an explicit choice
(`--profile-file`, the wizard's "switch baseline profile") replaces it; the change is then
recorded, and the steps it affects lose their done status: a step the new profile skips
becomes `skipped`, one it no longer skips goes back to `pending`, and an applied or
verified step whose profile settings changed becomes `stale` (apply it again).
"""

from __future__ import annotations

from typing import Any

DEFAULT_PROFILE = "startup-minimal"
GLOBAL_KEYS = ("home_region", "governed_regions", "automation_role")
DONE = ("applied", "verified", "manual-pending")


def profile_source(profile: Any) -> str:
    """What to load the profile from again: a built-in's name, or a file's absolute path."""
    from bootstrap_tui.profile.loading import builtin_dir

    path = getattr(profile, "path", None)
    if path is None or path.parent.resolve() == builtin_dir().resolve():
        return profile.name
    return str(path.resolve())


def load_recorded(data: dict[str, Any]) -> Any:
    """The profile a state file records; ConfigError says which and how to choose another."""
    from bootstrap_tui.errors import ConfigError
    from bootstrap_tui.profile import load_profile

    source = data.get("profile_source") or data["profile"]
    try:
        return load_profile(source)
    except ConfigError as exc:
        raise ConfigError(
            f"the state file's baseline profile {data['profile']!r} cannot be "
            f"loaded: {exc.message}",
            "pass --profile-file NAME|PATH to choose the profile explicitly",
        ) from None


def affected_steps(engine: Any, old: Any, new: Any) -> list[str]:
    """Steps whose plan may change from profile `old` to `new` (conservative): those whose
    profile section (or skip decision) differs, every step when a global setting differs,
    and every step that depends on one of them."""
    before, after = getattr(old, "data", {}), getattr(new, "data", {})
    if any(before.get(k) != after.get(k) for k in GLOBAL_KEYS):
        return [s.id for s in engine.steps]
    direct = [
        s.id
        for s in engine.steps
        if before.get(s.id.replace("-", "_")) != after.get(s.id.replace("-", "_"))
        or bool(_skips(engine, s, old)) != bool(_skips(engine, s, new))
    ]
    out = set(direct)
    for sid in direct:
        out.update(engine.dependants(sid))
    return [s.id for s in engine.steps if s.id in out]


def _skips(engine: Any, step: Any, profile: Any) -> str | None:
    """The step's skip reason under `profile` (the engine's own profile is left alone)."""
    from bootstrap_tui.context import StepContext

    class Context(StepContext):
        @property
        def profile(self) -> Any:
            return profile

    return step.skip_reason(Context(engine, step, read_only=True))


def use_profile(engine: Any, profile: Any) -> None:
    """Make `profile` the engine's, with its automation role for member accounts."""
    engine.profile = profile
    role = engine.options.role_name or profile.automation_role
    factory = getattr(engine, "factory", None)
    if factory is not None and factory.role_name != role:
        engine.factory = factory.with_role(role)


def status_changes(engine: Any, old: Any, new: Any) -> dict[str, tuple[str, str]]:
    """step id -> (status now, status after switching to `new`), for the steps that change."""
    out: dict[str, tuple[str, str]] = {}
    for sid in affected_steps(engine, old, new):
        now = engine.state.status(sid)
        if now == "in-progress":  # an operation AWS is running: its apply decides
            continue
        if _skips(engine, engine.by_id[sid], new):
            after = "skipped"
        elif now == "skipped":
            after = "pending"
        elif now in DONE:
            after = "stale"
        else:
            continue
        if after != now:
            out[sid] = (now, after)
    return out


def settle_profile(engine: Any) -> None:
    """On connect: use the state's profile unless the options chose one; record the choice.
    Sets engine.profile_origin ("state", "option" or "default") and engine.profile_change
    (see switch_profile) when an explicit choice replaced the recorded profile."""
    data = engine.state.data
    recorded = data.get("profile")
    engine.profile_change = None
    if engine.options.profile is None:
        engine.profile_origin = "state" if recorded else "default"
        if recorded and recorded != engine.profile.name:
            use_profile(engine, load_recorded(data))
    else:
        engine.profile_origin = "option"
        old = load_recorded_or_none(data) if recorded and recorded != engine.profile.name else None
        if old is not None:
            new = engine.profile
            use_profile(engine, old)
            switch_profile(engine, new)
            return
    _record(engine)


def switch_profile(engine: Any, new: Any, *, save: bool = True) -> dict[str, Any]:
    """Make `new` the run's profile (an explicit choice): the affected steps change status
    (status_changes) and the state records it. Returns and sets engine.profile_change:
    {"from": name, "to": name, "steps": {step id: (before, after)}}."""
    with engine.state_lock:
        old = engine.profile
        changes = status_changes(engine, old, new)
        for sid, (_, after) in changes.items():
            engine.state.set_status(sid, after, save=False)
        use_profile(engine, new)
        engine.options.profile = profile_source(new)
        engine.profile_origin = "option"
        _record(engine)
        if save:
            engine.state.save()
    engine.profile_change = {"from": old.name, "to": new.name, "steps": changes}
    return engine.profile_change


def _record(engine: Any) -> None:
    data = engine.state.data
    data["profile"] = engine.profile.name
    data["profile_source"] = profile_source(engine.profile)


def load_recorded_or_none(data: dict[str, Any]) -> Any:
    """The recorded profile, or None when it cannot be loaded any more."""
    from bootstrap_tui.errors import ConfigError

    try:
        return load_recorded(data)
    except ConfigError:
        return None


def describe_change(change: dict[str, Any], how: str) -> str:
    """One paragraph for the user: the switch, why, and what it did to the steps."""
    text = (
        f"Baseline profile changed from {change['from']} (recorded in the state file) to "
        f"{change['to']} ({how})."
    )
    steps = change["steps"]
    if steps:
        text += (
            " Steps affected: "
            + ", ".join(f"{sid} {before} → {after}" for sid, (before, after) in steps.items())
            + "."
        )
    return text
