"""The html checklist: a one-screen summary (a bar per framework, the state of each step),
then the details (steps, checks with evidence, attestations, controls per framework).

One self-contained file: inline CSS with print styles, no scripts, no external assets,
every value escaped. Rows show one compact date; the full timestamps are in its tooltip.
"""

from __future__ import annotations

import html
from typing import Any
from collections.abc import Mapping, Sequence

from bootstrap_tui.model import FRAMEWORKS, Status
from bootstrap_tui.report.common import SANDBOX_NOTE, clean_block, one_line
from bootstrap_tui.report.evidence_text import evidence_lines
from bootstrap_tui.report.checklist import NOT_APPLICABLE
from bootstrap_tui.report.checklist_text import (
    attestation_text,
    controls_text,
    header_facts,
    runs_text,
    shown_frameworks,
    summary_lines,
    verified_text,
)
from bootstrap_tui.report.framework_views import BAR_LABELS, BAR_STATES, coverage_line

__all__ = ["render_html"]

_CSS = """
:root{--fg:#1b1f23;--muted:#586069;--line:#d0d7de;--bg:#fff;--pass:#1a7f37;--fail:#cf222e;
--warn:#9a6700;--manual:#0969da;--error:#8250df;--none:#6e7781;--gap:#d8dee4}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);
background:var(--bg);margin:1.5rem auto;max-width:72rem;padding:0 1.5rem}
h1{font-size:1.7rem;margin:0 0 .3rem}h2{font-size:1.3rem;margin:2rem 0 .6rem;
border-bottom:1px solid var(--line);padding-bottom:.25rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.kv{font:11px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;
padding:.35rem .5rem;border:1px solid var(--line);white-space:pre-wrap;overflow-wrap:anywhere;
margin:.2rem 0 .5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:12px;font-weight:600;
color:#fff;background:var(--none);white-space:nowrap}
.s-PASS,.s-ATTESTED,.s-passing,.s-verified,.s-applied{background:var(--pass)}
.s-FAIL,.s-failing,.s-failed{background:var(--fail)}
.s-WARN,.s-incomplete,.s-stale,.s-manual-pending{background:var(--warn)}
.s-MANUAL,.s-in-progress{background:var(--manual)}.s-ERROR{background:var(--error)}
tr.heading td{background:#f6f8fa;font-weight:600}
tr.uncovered td{color:var(--muted)}
.muted{color:var(--muted)}.remediation{margin:.2rem 0 .4rem}
.sandbox-banner,.evidence-warning{border:2px solid var(--warn);background:#fff8c5;padding:.4rem .8rem;margin:.4rem 0}
.lede{color:var(--muted);margin:0 0 .8rem}
section.summary{border:1px solid var(--line);border-radius:.4rem;padding:.6rem 1rem .8rem}
section.summary h2{margin:.4rem 0 .5rem;font-size:1.1rem}
table.bars{margin:.2rem 0 .4rem}table.bars td{border:0;padding:.2rem .4rem;vertical-align:middle}
table.bars td.fw{width:14rem;font-weight:600}table.bars td.counts{width:24rem;font-size:12px}
.bar{display:flex;height:1.1rem;border-radius:.25rem;overflow:hidden;background:var(--gap);
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar span{display:block;height:100%;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.b-passing{background:var(--pass)}.b-failing{background:var(--fail)}
.b-incomplete{background:#d4a72c}.b-not-covered{background:var(--gap)}
.legend{font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:.8rem;
height:.8rem;margin:0 .25rem 0 .8rem;vertical-align:-1px;border-radius:2px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
ol.steps{columns:2;margin:.2rem 0 .4rem;padding-left:1.4rem}ol.steps li{margin:.1rem 0}
.scope{border-top:1px dashed var(--line);padding:.3rem 0 0;margin:.3rem 0 0}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}
section.summary{break-after:page}tr,pre{break-inside:avoid}
.badge{border:1px solid #000;color:#000;background:none!important}
a{color:inherit;text-decoration:none}}
"""


def _e(value: Any) -> str:
    return html.escape(clean_block(value), quote=True)


def _badge(status: Any) -> str:
    text = one_line(status)
    css = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in text)
    return f'<span class="badge s-{css}">{_e(text)}</span>'


def _date(value: Any, tooltip: str | None = None) -> str:
    """One compact date (YYYY-MM-DD); the full timestamp(s) in its title attribute."""
    if not value:
        return "—"
    full = tooltip or str(value)
    return f'<span title="{_e(full)}">{_e(str(value)[:10])}</span>'


def _bar(entry: Mapping[str, Any]) -> str:
    total = entry["total"] or 1
    parts = []
    for state in BAR_STATES:
        n = entry["states"].get(state, 0)
        if n:
            css = state.replace(" ", "-")
            parts.append(
                f'<span class="b-{css}" style="width:{100.0 * n / total:.2f}%" '
                f'title="{n} {_e(BAR_LABELS[state])}"></span>'
            )
    return f'<div class="bar" role="img" aria-label="{_e(_counts(entry))}">{"".join(parts)}</div>'


def _counts(entry: Mapping[str, Any]) -> str:
    states = entry["states"]
    return (
        " · ".join(f"{states.get(s, 0)} {BAR_LABELS[s]}" for s in BAR_STATES)
        + f" (of {entry['total']} controls)"
    )


def _summary(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> list[str]:
    last = checklist.get("last_verify")
    period = checklist.get("period") or {}
    lede = [
        f"Profile {checklist.get('profile') or '?'}",
        f"account {checklist.get('management_account_id') or '?'}",
    ]
    if last:
        lede.append(f"last verified {str(last['at'])[:10]}")
    if period.get("first_verified_at"):
        lede.append(
            f"{period['verify_runs']} verify runs since {str(period['first_verified_at'])[:10]}"
        )
    p = [
        '<section class="summary" id="summary" aria-label="Summary">',
        f'<p class="lede">{_e(" · ".join(lede))}</p>',
        "<h2>Frameworks</h2>",
        '<table class="bars"><tbody>',
    ]
    for view in views:
        entry = {"total": view["coverage"]["total"], "states": view["states"]}
        p.append(
            f'<tr><td class="fw"><a href="#fw-{_e(view["framework"])}">'
            f"{_e(FRAMEWORKS.get(view['framework'], view['title']))}</a></td><td>{_bar(entry)}</td>"
            f'<td class="counts">{_e(_counts(entry))}</td></tr>'
        )
    p.append("</tbody></table>")
    colors = {
        "passing": "var(--pass)",
        "failing": "var(--fail)",
        "incomplete": "#d4a72c",
        "not covered": "var(--gap)",
    }
    p.append(
        '<p class="legend">'
        + "".join(f'<i style="background:{colors[s]}"></i>{_e(BAR_LABELS[s])}' for s in BAR_STATES)
        + "</p>"
    )
    p.append('<h2>Steps</h2><ol class="steps">')
    for s in checklist["steps"]:
        now = (
            f' <span class="muted">checks now</span> {_badge(s["checks_status"])}'
            if s.get("checks_status") and s["checks_status"] != Status.PASS.value
            else ""
        )
        p.append(f"<li>{_badge(s['status'])} {_e(s['title'])}{now}</li>")
    p.append("</ol>")
    p += [f'<p class="muted">{_e(line)}</p>' for line in summary_lines(checklist)[1:3]]
    p.append("</section>")
    return p


def _period_cell(c: Mapping[str, Any]) -> str:
    """One compact date for a check: passing since, else last checked; the rest in a tooltip."""
    tip = (
        "; ".join(
            f"{label} {c[key]}"
            for label, key in (
                ("first passed", "first_passed_at"),
                ("passing since", "passing_since"),
                ("last checked", "last_verified_at"),
            )
            if c.get(key)
        )
        or "never verified"
    )
    if c.get("passing_since"):
        return f"since {_date(c['passing_since'], tip)}"
    if c.get("last_verified_at"):
        return f"checked {_date(c['last_verified_at'], tip)}"
    return "—"


def _evidence(results: Sequence[Mapping[str, Any]]) -> str:
    out = [
        f'<div class="muted">Evidence ({len(results)} '
        f"{'scope' if len(results) == 1 else 'scopes'}, {_e(verified_text(results))})</div>"
    ]
    for r in results:
        where = " · ".join(str(r[k]) for k in ("account", "region") if r.get(k)) or "organization"
        lines = "\n".join(evidence_lines(r.get("evidence")))
        out.append(
            f'<div class="scope">{_badge(r["status"])} <code>{_e(where)}</code> '
            f"{_e(r.get('message') or '')}"
            + (f'<pre class="kv">{_e(lines)}</pre>' if lines else "")
            + (
                f'<div class="muted"><code>sha256 {_e(r["sha256"][:16])}…</code></div>'
                if r.get("sha256")
                else ""
            )
            + "</div>"
        )
    return "".join(out)


def _checks(checklist: Mapping[str, Any], shown: Sequence[str]) -> list[str]:
    p = ['<h2 id="checks">Checks</h2>']
    titles = {s["id"]: s["title"] for s in checklist["steps"]}
    by_step: dict[str, list[Mapping[str, Any]]] = {}
    for check in checklist["checks"]:
        by_step.setdefault(check["step"], []).append(check)
    for step_id, checks in by_step.items():
        p.append(f"<h3>{_e(titles.get(step_id, step_id))}</h3>")
        p.append(
            "<table><thead><tr><th>Status</th><th>Check</th><th>Severity</th>"
            "<th>Period</th><th>Runs</th><th>Controls</th></tr></thead><tbody>"
        )
        for c in checks:
            detail = ""
            if c["status"] not in (Status.PASS.value, NOT_APPLICABLE):
                detail += (
                    f'<div class="remediation"><strong>Remediation:</strong> '
                    f"{_e(c['remediation'])}</div>"
                )
            if c["results"]:
                detail += _evidence(c["results"])
            message = f'<div class="muted">{_e(c["message"])}</div>' if c.get("message") else ""
            runs = runs_text(c)
            p.append(
                f'<tr class="check" id="check-{_e(c["id"])}"><td>{_badge(c["status"])}</td>'
                f"<td><code>{_e(c['id'])}</code><br>{_e(c['title'])}{message}{detail}</td>"
                f"<td>{_e(c['severity'])}</td><td>{_period_cell(c)}</td><td>{_e(runs)}</td>"
                f"<td>{_e(controls_text(c['controls'], shown)) or '—'}</td></tr>"
            )
        p.append("</tbody></table>")
    return p


def _who(m: Mapping[str, Any]) -> str:
    return attestation_text(
        m, escape=_e, at=lambda value: f", {_date(value)}", code=lambda s: f"<code>{s}</code>"
    )


def _items(checklist: Mapping[str, Any], shown: Sequence[str]) -> list[str]:
    p: list[str] = []
    for heading, key, anchor in (
        ("Manual items", "manual_items", "manual"),
        ("Organizational items", "org_items", "organizational"),
    ):
        p.append(
            f'<h2 id="{anchor}">{heading}</h2><table><thead><tr><th>Item</th><th>Status</th>'
            "<th>Attested by, on; API check</th><th>Note</th><th>Controls</th></tr></thead>"
            "<tbody>"
        )
        for m in checklist[key]:
            hint = (
                f'<div class="muted">Evidence: {_e(m["evidence_hint"])}</div>'
                if m.get("evidence_hint")
                else ""
            )
            p.append(
                f"<tr><td><code>{_e(m['id'])}</code><br>{_e(m['title'])}"
                f'<div class="muted">{_e(m["instructions"])}</div>{hint}</td>'
                f"<td>{_badge(m['status'])}</td><td>{_who(m)}</td>"
                f"<td>{_e(m.get('note') or '—')}</td>"
                f"<td>{_e(controls_text(m['controls'], shown)) or '—'}</td></tr>"
            )
        p.append("</tbody></table>")
    return p


def _framework(view: Mapping[str, Any]) -> list[str]:
    p = [
        f'<h2 id="fw-{_e(view["framework"])}">{_e(view["title"])}</h2>',
        f"<p><strong>{_e(coverage_line(view))}.</strong></p>",
    ]
    if view["note"]:
        p.append(f'<p class="muted">{_e(view["note"])}</p>')
    p.append(
        '<table class="controls"><thead><tr><th>Control</th><th>Title</th><th>State</th>'
        "<th>Evidence</th></tr></thead><tbody>"
    )
    for c in view["controls"]:
        if c["heading"] and not c["items"]:
            p.append(
                f'<tr class="heading"><td>{_e(c["id"])}</td>'
                f'<td colspan="3">{_e(c["title"])}</td></tr>'
            )
            continue
        items = (
            "<br>".join(f"<code>{_e(i['id'])}</code> {_badge(i['status'])}" for i in c["items"])
            or "not covered by this baseline"
        )
        cls = ' class="uncovered"' if not c["items"] else ""
        p.append(
            f"<tr{cls}><td>{_e(c['id'])}</td><td>{_e(c['title'])}</td>"
            f"<td>{_badge(c['state'])}</td><td>{items}</td></tr>"
        )
    p.append("</tbody></table>")
    if view["unknown_ids"]:
        p.append(f"<p>Mapped ids not in the catalog: {_e(', '.join(view['unknown_ids']))}</p>")
    return p


def render_html(checklist: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> str:
    shown = shown_frameworks(checklist, views)
    p: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Setup checklist — {_e(checklist.get('management_account_id') or '')}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Setup checklist</h1>",
    ]
    p += [
        f'<p class="evidence-warning" role="alert"><strong>Warning: {_e(w)}</strong></p>'
        for w in checklist.get("warnings") or ()
    ]
    if checklist.get("sandbox"):
        p.append(f'<p class="sandbox-banner" role="alert"><strong>{_e(SANDBOX_NOTE)}.</strong></p>')
    p += _summary(checklist, views)
    p.append('<h2 id="details">Details</h2><dl class="facts">')
    for label, value in header_facts(checklist):
        p.append(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>")
    p.append("</dl><ul>")
    p += [f"<li>{_e(line)}</li>" for line in summary_lines(checklist)]
    p += [f"<li>{_e(v['title'])}: {_e(coverage_line(v))}</li>" for v in views]
    p.append("</ul>")
    p.append(
        '<h2 id="steps">Steps</h2><table><thead><tr><th>Step</th><th>Status</th>'
        "<th>Updated</th><th>Its checks now</th></tr></thead><tbody>"
    )
    for s in checklist["steps"]:
        err = "".join(
            f'<div class="muted">{_e(s[k])}</div>' for k in ("error", "skip_reason") if s.get(k)
        )
        now = _badge(s["checks_status"]) if s.get("checks_status") else "—"
        p.append(
            f"<tr><td>{_e(s['title'])} <code>{_e(s['id'])}</code></td>"
            f"<td>{_badge(s['status'])}{err}</td><td>{_date(s['updated_at'])}</td>"
            f"<td>{now}</td></tr>"
        )
    p.append("</tbody></table>")
    p += _checks(checklist, shown)
    p += _items(checklist, shown)
    for view in views:
        p += _framework(view)
    p += ["</body>", "</html>"]
    return "\n".join(p) + "\n"
