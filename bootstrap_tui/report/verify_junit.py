"""verify --format junit: one <testcase> per check x account x region.

Layout follows the de-facto JUnit XML used by Jenkins, GitLab and the GitHub
test-reporter actions: <testsuites> > <testsuite> per step > <testcase>
(classname = step id, name = "check_id [account/region]"); FAIL is a
<failure>, ERROR an <error>, MANUAL and NOT_APPLICABLE <skipped>, WARN passes with a note in
<system-out>. Evidence goes to <system-out> as JSON.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from bootstrap_tui.model import Status, Step
from bootstrap_tui.report.common import (
    RunLike,
    clean_block,
    counts,
    coverage,
    from_sandbox,
    group_by_step,
    jsonable,
    one_line,
    safe_endpoint,
    scope_label,
)

# Characters XML 1.0 cannot carry at all (even escaped).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def _case_name(check_id: str, account: str | None, region: str | None) -> str:
    scope = scope_label(account, region)
    return f"{check_id} [{scope}]" if scope != "-" else check_id


def render_junit(run: RunLike, *, steps: Sequence[Step] | None = None) -> str:
    tally = counts(run.results)
    root = ET.Element(
        "testsuites",
        {
            "name": "bootstrap-tui verify",
            "tests": str(len(run.results)),
            "failures": str(tally["FAIL"]),
            "errors": str(tally["ERROR"]),
            "skipped": str(tally["MANUAL"] + tally["NOT_APPLICABLE"]),
            "time": "0",
        },
    )
    run_props = [
        ("sandbox", "true" if from_sandbox(run) else None),
        *((f"run.{k}", str(v)) for k, v in coverage(run).items()),
    ]
    if run.started_at:
        root.set("timestamp", _x(run.started_at))
    for step_id, title, results in group_by_step(run.results, steps):
        sub = counts(results)
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": _x(step_id),
                "tests": str(len(results)),
                "failures": str(sub["FAIL"]),
                "errors": str(sub["ERROR"]),
                "skipped": str(sub["MANUAL"] + sub["NOT_APPLICABLE"]),
                "time": "0",
                "timestamp": _x(run.started_at or ""),
                "hostname": "aws",
            },
        )
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("title", title if title != step_id else None),
            ("management_account_id", run.account),
            ("actor", run.actor),
            ("endpoint", safe_endpoint(run.endpoint)),
            *run_props,
        ):
            if value:
                ET.SubElement(props, "property", {"name": name, "value": _x(one_line(value))})
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": _x(step_id),
                    "name": _x(_case_name(r.check_id, r.account, r.region)),
                    "time": "0",
                },
            )
            message = _x(one_line(r.message))
            body = _x(
                f"{one_line(r.title)}\n{clean_block(r.message)}\n\n"
                f"Remediation:\n{clean_block(r.remediation)}"
            )
            if r.status == Status.FAIL:
                node = ET.SubElement(
                    case, "failure", {"message": message, "type": f"FAIL/{r.severity.value}"}
                )
                node.text = body
            elif r.status == Status.ERROR:
                node = ET.SubElement(
                    case, "error", {"message": message, "type": f"ERROR/{r.severity.value}"}
                )
                node.text = body
            elif r.status == Status.MANUAL:
                ET.SubElement(
                    case,
                    "skipped",
                    {"message": _x(f"MANUAL: needs a human attestation — {one_line(r.message)}")},
                )
            elif r.status == Status.NOT_APPLICABLE:
                ET.SubElement(
                    case, "skipped", {"message": _x(f"NOT_APPLICABLE: {one_line(r.message)}")}
                )
            out = {
                "status": r.status.value,
                "severity": r.severity.value,
                "message": r.message,
                "evidence": r.evidence,
                "frameworks": r.frameworks,
            }
            prefix = f"WARN: {one_line(r.message)}\n" if r.status == Status.WARN else ""
            ET.SubElement(case, "system-out").text = _x(
                prefix + json.dumps(jsonable(out), indent=2, ensure_ascii=False, sort_keys=True)
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
