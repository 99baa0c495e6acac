"""The resumable state file: progress, answers, in-flight operations, evidence.

YAML, one file per management account, written atomically (temp file in the
same directory, fsync, os.replace), mode 0600. Locks (all advisory `flock`s the
kernel drops when a process dies):
- `<state>.lock`: held exclusively for its whole run by a run that changes things
  (apply, the wizard, plain mode), so two such runs never share a state file;
- `<state>.rwlock`: shared while any run reads the file, exclusive while one
  replaces it, held only for that read or save;
- `accounts/<id>/lock` in the user's state directory (AccountLock): held
  exclusively by a changing run, so two runs cannot change one account through
  two state files.
A reading run (status, plan, verify, export; `StateStore(shared=True)`) takes
neither exclusive lock, so it runs beside the wizard; when it has something to
record (verify's evidence), it `claim`s the state lock for the rest of its run
if it is free and the file is unchanged since it read it, else it records
nothing and says why.
The last line is END_MARKER, so a file cut short anywhere is refused (schema 2
on; a schema-1 file from an older version has none and is accepted once, then
rewritten with it). Each save keeps the previous file as `<state>.bak`.
A corrupt, truncated or future-version file is reported and never overwritten.
Never holds secrets: `save` redacts anything that looks like an AWS credential.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import errno
import hashlib
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

from bootstrap_tui.atomicfile import replace_file
from bootstrap_tui.errors import ConfigError, StateError
from bootstrap_tui.yamlio import dump, load_with_lines

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
FIRST_MARKED_SCHEMA = 2  # files of this schema on must end with END_MARKER
END_MARKER = "# end of bootstrap-tui state file\n"
MAX_HISTORY = 200
REDACTED = "<redacted>"
MAX_STATE_BYTES = 8 * 1024 * 1024

_SECRET_PATTERNS = (
    re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"),  # access key ids
    re.compile(r"\bIQoJb3JpZ2luX2Vj[A-Za-z0-9/+=]{20,}"),  # STS session tokens
)
# "scheme://user:password@" in any URL (e.g. AWS_ENDPOINT_URL=http://user:pw@host)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_SECRET_KEYS = re.compile(
    r"^(aws_)?(secret_access_key|secret_key|secret|password|session_token|token)$", re.I
)


# called before every state save: the persistent sandbox saves its fake AWS first, so that
# AWS is never behind the progress the state file records (sandbox/home.py)
BEFORE_SAVE: list[Callable[[], None]] = []


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def default_state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("bootstrap-tui", appauthor=False))


def default_state_path(account_id: str) -> Path:
    return default_state_dir() / f"state-{account_id}.yaml"


def strip_userinfo(text: str) -> str:
    """`text` with the user:password part of every URL in it removed."""
    return _URL_USERINFO.sub(r"\1", text)


def find_secrets(value: Any, path: str = "") -> list[str]:
    """Paths inside `value` that look like AWS credentials or passwords."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if (
                _SECRET_KEYS.search(str(key))
                and isinstance(item, str)
                and item not in ("", REDACTED)
            ):
                found.append(sub)
            else:
                found.extend(find_secrets(item, sub))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.extend(find_secrets(item, f"{path}[{index}]"))
    elif isinstance(value, str) and (
        any(p.search(value) for p in _SECRET_PATTERNS) or _URL_USERINFO.search(value)
    ):
        found.append(path or "<value>")
    return found


def redact(value: Any) -> Any:
    """A copy of `value` with anything that looks like a credential replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if _SECRET_KEYS.search(str(k)) and isinstance(v, str) and v else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        for pattern in _SECRET_PATTERNS:
            value = pattern.sub(REDACTED, value)
        value = strip_userinfo(value)
    return value


def person_name(value: Any) -> str:
    """A person's name for attestations: one line, 1-120 characters (ConfigError otherwise)."""
    from bootstrap_tui.errors import ConfigError

    name = " ".join(str(value or "").split())
    if not name or len(name) > 120:
        raise ConfigError(
            "the name of the person attesting must be 1 to 120 characters",
            "for example: --attested-by 'Jane Doe, CTO'",
        )
    return name


def empty_state(account_id: str | None = None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "management_account_id": account_id,
        "created_at": now(),
        "updated_at": now(),
        "profile": None,
        "steps": {},
        "attestations": {},
        "evidence_history": [],
    }


class _Lock:
    """An exclusive advisory lock on `<state>.lock`, held for the run's lifetime.

    bootstrap-tui never deletes the lock file. Deleting it by hand must not let a second
    run in beside the first, so every run also holds a shared lock on the directory: a
    run that finds the lock file missing beside an existing state file re-creates it
    only while it can lock the directory exclusively (no other run uses it). After
    locking, the file at the path must still be the inode locked."""

    def __init__(self, path: Path, state: Path):
        self.path = path
        self.state = state
        self.fd: int | None = None
        self.dir_fd: int | None = None

    def acquire(self) -> None:
        try:
            self._acquire()
        except OSError as exc:
            self.release()
            raise StateError(
                f"cannot lock the state file: {self.path}: {exc.strerror or exc}",
                "choose a --state-file in a writable folder with free space",
            ) from None
        except BaseException:
            self.release()
            raise

    def _acquire(self) -> None:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.dir_fd = os.open(self.path.parent, os.O_RDONLY)
        fcntl.flock(self.dir_fd, fcntl.LOCK_SH)
        if not self.path.exists() and os.path.lexists(self.state):
            self._recreate_alone(fcntl)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise self._busy(holder) from None
            raise
        self.fd = fd
        if os.fstat(fd).st_ino != os.stat(self.path).st_ino:  # replaced while we locked it
            raise self._busy("")
        os.ftruncate(fd, 0)
        os.write(fd, self._holder_text().encode())

    def _recreate_alone(self, fcntl: Any) -> None:
        """The lock file is gone but the state is not: only re-create it if no other run
        holds the directory (it may be running on a lock file someone deleted)."""
        try:
            fcntl.flock(self.dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise StateError(
                    f"the lock file {self.path} is missing and another bootstrap-tui run is "
                    f"using {self.path.parent}",
                    "wait for the other run to finish; it may be working on this state file "
                    "(its lock file was deleted)",
                ) from None
            raise
        fcntl.flock(self.dir_fd, fcntl.LOCK_SH)

    def _busy(self, holder: str) -> StateError:
        who = f" (process {holder.split(chr(10))[0]})" if holder else ""
        return StateError(
            f"another bootstrap-tui run{who} holds the state file {self.state}",
            "wait for it to finish, or close the other window; two runs at once could "
            "create resources twice",
        )

    def _holder_text(self) -> str:
        return str(os.getpid())

    def release(self) -> None:
        import fcntl

        for name in ("fd", "dir_fd"):
            fd = getattr(self, name)
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
                    setattr(self, name, None)


class AccountLock(_Lock):
    """`accounts/<id>/lock` in the user's state directory: one changing run per management
    account, whatever its state file. It holds "PID\nSTATE FILE" to name the holder; the
    folder per account keeps _Lock's protection against a deleted lock file to that account.
    Behind a custom endpoint (a sandbox), the account lives at that endpoint only: the folder
    is `accounts/<id>@<endpoint hash>`, so two sandboxes (which share an account id) never
    wait for each other, while two runs against one sandbox still do."""

    def __init__(self, account_id: str, state: Path, endpoint: str | None = None):
        name = account_id
        if endpoint:
            name += "@" + hashlib.sha256(endpoint.rstrip("/").encode()).hexdigest()[:12]
        folder = default_state_dir() / "accounts" / name
        super().__init__(folder / "lock", folder)
        self.account_id = account_id
        self.endpoint = endpoint
        self.state_file = state

    def _holder_text(self) -> str:
        return f"{os.getpid()}\n{Path(self.state_file).absolute()}"

    def _busy(self, holder: str) -> StateError:
        pid, _, other = holder.partition("\n")
        who = f"process {pid}" if pid else "its process is unknown"
        where = f", state file {other}" if other else ""
        return StateError(
            f"another bootstrap-tui run ({who}{where}) is changing account {self.account_id}"
            + (f" at {self.endpoint}" if self.endpoint else ""),
            "wait for it to finish; two runs changing one account at once could create "
            "resources twice, even with different --state-file paths",
        )

    def acquire(self) -> None:
        try:
            super().acquire()
        except StateError as exc:
            if "lock file" in exc.message and "is missing" in exc.message:
                raise StateError(
                    f"the account lock {self.path} is missing and another "
                    f"bootstrap-tui run is using account {self.account_id}",
                    "wait for the other run to finish",
                ) from None
            raise


def _read_holder(fd: int) -> str:
    try:
        return os.read(fd, 4096).decode(errors="replace").strip()
    except OSError:
        return ""


@contextlib.contextmanager
def _contents_lock(state: Path, *, exclusive: bool) -> Iterator[None]:
    """`<state>.rwlock`: shared while a run reads the state file, exclusive while one replaces
    it (held for that read or save only). A folder where it cannot be created (read-only)
    is read without it: saves are atomic renames, so a read still sees one whole file."""
    import fcntl

    try:
        fd = os.open(state.with_name(state.name + ".rwlock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if exclusive:
            raise
        log.debug("reading %s without its read lock: %s", state, exc)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What identifies one save of the state file (None: there is none)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def read_state_file(path: Path) -> dict[str, Any]:
    """Parse and validate a state file; StateError names the file and the problem."""
    try:
        with path.open("rb") as handle:  # bounded: a device or a huge file is not read whole
            raw = handle.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StateError(f"cannot read state file {path}: {exc.strerror}") from None
    if len(raw) > MAX_STATE_BYTES:
        raise StateError(
            f"state file {path} is larger than {MAX_STATE_BYTES} bytes; refusing to load it",
            "it is not a bootstrap-tui state file",
        )
    _refuse_cut_short(path, raw, _leading_version(raw))
    try:
        data, _ = load_with_lines(raw, str(path), max_bytes=MAX_STATE_BYTES)
    except ConfigError as exc:
        # exc.message is "FILE:LINE: problem", as for profiles and answers files
        raise StateError(f"corrupt state file {exc.message}", _restore_hint(path)) from None
    if data is None:
        raise StateError(f"state file {path} is empty (truncated?)", _restore_hint(path))
    if not isinstance(data, dict):
        raise StateError(
            f"state file {path} is corrupt: expected a mapping at the top, "
            f"found {type(data).__name__}",
            _restore_hint(path),
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StateError(f"state file {path} has no valid schema_version", _restore_hint(path))
    if version > SCHEMA_VERSION:
        raise StateError(
            f"state file {path} was written by a newer bootstrap-tui (schema {version}; "
            f"this version understands up to {SCHEMA_VERSION})",
            "upgrade bootstrap-tui (pipx upgrade bootstrap-tui); the file was left untouched",
        )
    _refuse_cut_short(path, raw, version)
    if version < FIRST_MARKED_SCHEMA:
        log.warning(
            "state file %s is from an older bootstrap-tui (schema %s, no end marker); "
            "loading it as is",
            path,
            version,
        )
    for key, kind in (("steps", dict), ("attestations", dict), ("evidence_history", list)):
        value = data.setdefault(key, kind())
        if not isinstance(value, kind):
            raise StateError(
                f"state file {path} is corrupt: '{key}' should be a "
                f"{kind.__name__}, found {type(value).__name__}",
                _restore_hint(path),
            )
    for step_id, entry in data["steps"].items():
        if not isinstance(entry, dict):
            raise StateError(
                f"state file {path} is corrupt: steps.{step_id} should be a mapping",
                _restore_hint(path),
            )
        _check_step_entry(path, step_id, entry)
    for key in ("attestations", "evidence_history"):
        items = data[key].items() if isinstance(data[key], dict) else enumerate(data[key])
        for name, item in items:
            if not isinstance(item, dict):
                raise StateError(
                    f"state file {path} is corrupt: {key} entry {name!r} should be "
                    f"a mapping, found {type(item).__name__}",
                    _restore_hint(path),
                )
    return data


_LEADING_VERSION = re.compile(rb"schema_version: (\d{1,6})\r?\n")


def _leading_version(raw: bytes) -> int | None:
    """The schema of a file whose first line is `schema_version: N` (as saves write it)."""
    found = _LEADING_VERSION.match(raw)
    return int(found[1]) if found else None


def _refuse_cut_short(path: Path, raw: bytes, version: int | None) -> None:
    """StateError when a file of a marked schema does not end with END_MARKER."""
    if (
        version is not None
        and FIRST_MARKED_SCHEMA <= version <= SCHEMA_VERSION
        and not raw.endswith(END_MARKER.encode())
    ):
        raise StateError(
            f"state file {path} is incomplete: it was cut short (its end marker line is missing)",
            _restore_hint(path),
        )


def _check_step_entry(path: Path, step_id: Any, entry: dict[str, Any]) -> None:
    """Refuse a step entry whose parts have the wrong shape (the engine indexes into them)."""
    if not isinstance(entry.get("status", "pending"), str):
        raise StateError(
            f"state file {path} is corrupt: steps.{step_id}.status should be text",
            _restore_hint(path),
        )
    for part in ("answers", "operations", "facts"):
        value = entry.get(part)
        if value is None:
            entry.pop(part, None)
        elif not isinstance(value, dict):
            raise StateError(
                f"state file {path} is corrupt: steps.{step_id}.{part} should be a "
                f"mapping, found {type(value).__name__}",
                _restore_hint(path),
            )
    for key, op in (entry.get("operations") or {}).items():
        if not isinstance(op, dict) or not isinstance(op.get("id"), str):
            raise StateError(
                f"state file {path} is corrupt: steps.{step_id}.operations.{key} "
                "should be a mapping with a text id",
                _restore_hint(path),
            )


_KEEP_HINT = (
    "the file was left untouched; move it aside (or pass --state-file) to start "
    "over, or restore a .bak copy"
)


def _restore_hint(path: Path) -> str:
    """What to do with a state file cut short: the backup to restore, if there is one."""
    backup = path.with_name(path.name + ".bak")
    if backup.is_file():
        return (
            f"the file was left untouched; restore the previous save with "
            f"`cp {backup} {path}` (check it first), or move {path.name} aside to start over"
        )
    return _KEEP_HINT


def state_text(data: dict[str, Any]) -> str:
    """The text of a state file holding `data`: YAML, then the END_MARKER line."""
    return dump(data) + END_MARKER


def _keep_backup(target: Path) -> None:
    """Hard-link the current (complete, since it loaded) file as `<name>.bak`, atomically
    and without copying; skipped where the filesystem has no hard links."""
    backup = target.with_name(target.name + ".bak")
    temp = target.with_name(f".{target.name}.bak.{os.getpid()}.tmp")
    try:
        os.link(target, temp)
        os.replace(temp, backup)
    except OSError as exc:
        log.debug("no backup of %s: %s", target, exc)
        try:
            os.unlink(temp)
        except OSError:
            pass


class StateStore:
    """Loads, mutates and atomically saves the state file. Use as a context manager."""

    def __init__(self, path: Path, *, lock: bool = True, shared: bool = False):
        self.path = Path(path).expanduser()
        self._lock = (
            _Lock(self.path.with_name(self.path.name + ".lock"), self.path) if lock else None
        )
        self.shared = shared and lock  # a reading run: no exclusive lock until it claims one
        self.claimed = not self.shared
        self.unsaved: str | None = None  # why a reading run did not save (see claim)
        self._seen: tuple[int, int, int] | None = None
        self.data: dict[str, Any] = empty_state()
        self.exists = False

    def open(self) -> StateStore:
        if self._lock and not self.shared:
            self._lock.acquire()
            self._remove_stale_temp_files()
        try:
            with _contents_lock(self._target(), exclusive=False):
                self._seen = _signature(self._target())
                self.data = read_state_file(self.path)
            self.exists = True
            self._migrate()
        except FileNotFoundError:
            self.data = empty_state()
            self.exists = False
        except OSError as exc:
            self.close()
            raise StateError(
                f"cannot lock the state file: {self.path}.rwlock: {exc.strerror or exc}",
                "choose a --state-file in a writable folder with free space",
            ) from None
        except BaseException:
            self.close()
            raise
        return self

    def _target(self) -> Path:
        return Path(os.path.realpath(self.path))  # a symlinked state file stays a symlink

    def claim(self) -> str | None:
        """Let a reading run save: take the state lock for the rest of the run, if no other
        run holds it and the file is still the one this run read. Returns why not (the
        caller says so), or None when saving is allowed."""
        if self.claimed:
            return None
        assert self._lock is not None  # only a shared store starts unclaimed, and it has a lock
        try:
            self._lock.acquire()
        except StateError as exc:
            return exc.message
        if _signature(self._target()) != self._seen:
            self._lock.release()
            return f"the state file {self.path} changed since this run read it"
        self.claimed = True
        return None

    def _remove_stale_temp_files(self) -> None:
        """Delete temp files a killed run left mid-save; safe because we hold the lock."""
        target = Path(os.path.realpath(self.path))
        for leftover in target.parent.glob(f".{target.name}.*.tmp"):
            try:
                leftover.unlink()
            except OSError as exc:
                log.warning("could not remove %s: %s", leftover, exc)

    def close(self) -> None:
        if self._lock:
            self._lock.release()

    def __enter__(self) -> StateStore:
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _migrate(self) -> None:
        if self.data["schema_version"] < SCHEMA_VERSION and not self.shared:
            shutil.copy2(self.path, self.path.with_name(self.path.name + ".bak"))
            self.data["schema_version"] = SCHEMA_VERSION

    def save(self) -> None:
        """Write atomically: temp file beside the target, fsync, os.replace, fsync dir.
        A reading run saves only once it could `claim` the file; otherwise nothing is
        written and `unsaved` says why."""
        refused = self.claim()
        if refused:
            self.unsaved = refused
            log.info("state not saved by this reading run: %s", refused)
            return
        for hook in list(BEFORE_SAVE):
            hook()
        if find_secrets(self.data):
            self.data = redact(self.data)
        self.data["updated_at"] = now()
        # schema_version first: a file cut anywhere after it is known to need END_MARKER
        self.data = {"schema_version": self.data.get("schema_version", SCHEMA_VERSION), **self.data}
        text = state_text(self.data)
        target = self._target()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # never a link target's folders
            with _contents_lock(target, exclusive=True):
                if self.exists:
                    _keep_backup(target)
                replace_file(target, text, 0o600)
                self._seen = _signature(target)
        except OSError as exc:
            where = f" (a symlink to {target})" if target != self.path.absolute() else ""
            raise StateError(
                f"cannot save the state file {self.path}{where}: {exc.strerror or exc}",
                "free some space or fix the folder, then run again: the last "
                "complete save is still in place",
            ) from None
        self.exists = True

    # ------------------------------------------------------------ accessors

    def step(self, step_id: str) -> dict[str, Any]:
        return self.data["steps"].setdefault(step_id, {"status": "pending"})

    def status(self, step_id: str) -> str:
        return self.data["steps"].get(step_id, {}).get("status", "pending")

    def set_status(
        self, step_id: str, status: str, *, error: str | None = None, save: bool = True
    ) -> None:
        entry = self.step(step_id)
        entry["status"] = status
        entry["updated_at"] = now()
        if error:
            entry["error"] = error
        else:
            entry.pop("error", None)
        if save:
            self.save()

    def answers(self, step_id: str) -> dict[str, Any]:
        return dict(self.data["steps"].get(step_id, {}).get("answers", {}) or {})

    def set_answers(self, step_id: str, answers: dict[str, Any]) -> None:
        self.step(step_id)["answers"] = copy.deepcopy(answers)

    def operations(self, step_id: str) -> dict[str, Any]:
        return self.step(step_id).setdefault("operations", {})

    def record_operation(self, step_id: str, key: str, op_id: str, **meta: Any) -> None:
        """Persist an in-flight AWS operation id *before* waiting on it."""
        self.operations(step_id)[key] = {"id": op_id, "started_at": now(), **meta}
        self.save()

    def clear_operation(self, step_id: str, key: str) -> None:
        if self.operations(step_id).pop(key, None) is not None:
            self.save()

    def facts(self, step_id: str) -> dict[str, Any]:
        return self.step(step_id).setdefault("facts", {})

    def attest(
        self,
        item_id: str,
        by: str,
        note: str = "",
        *,
        simulated: bool = False,
        person: str | None = None,
    ) -> None:
        """Record an attestation: the AWS identity `by`, the `person` who attests;
        `simulated` marks a sandbox stand-in (--simulate-console)."""
        record: dict[str, Any] = {"by": by, "at": now(), "note": note}
        if person:
            record["person"] = person
        if simulated:
            record["simulated"] = True
        self.data["attestations"][item_id] = record
        self.save()

    @property
    def attester(self) -> str | None:
        """The person who attests, asked once in the wizard (a name, never a secret)."""
        value = self.data.get("attested_by")
        return value if isinstance(value, str) and value.strip() else None

    def set_attester(self, name: str) -> None:
        self.data["attested_by"] = person_name(name)
        self.save()

    def attestation(self, item_id: str) -> dict[str, Any] | None:
        return self.data["attestations"].get(item_id)

    def add_evidence(self, record: dict[str, Any]) -> None:
        history = self.data["evidence_history"]
        history.append(record)
        del history[:-MAX_HISTORY]
        self.save()

    def iter_history(self) -> Iterator[dict[str, Any]]:
        return iter(self.data["evidence_history"])
