"""A drift report for a scored file: one self-contained HTML page (inline SVG, no script, no
style from elsewhere). The predictions' distribution first, then every feature sorted by drift,
each with the reference and the file as two histograms (shares per bin), its statistics and the
verdict, judged as the server judges a window (``statistics.judge``)."""

from __future__ import annotations

import html
from typing import Any

from .statistics import MIN_ROWS

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2330;max-width:60rem}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin:1.5rem 0 .25rem}.verdict{font-weight:600}
.drifted{color:#b3261e}.stable{color:#1b5e20}.figures{color:#555;font-size:.9rem;margin:.25rem 0}
svg{max-width:100%;height:auto}.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.ref{color:#7a869a}.file{color:#2856c6}"""


def drift_html(model: Any, judged: dict[str, Any], rows: int, source: str) -> str:
    """The report's page: ``judged`` from ``statistics.judge``, for ``rows`` scored rows of ``source``."""
    alarm = judged["alarm"]
    if not judged["enough_rows"]:
        headline = f"Too few rows to judge ({rows:,}; at least {MIN_ROWS} are needed)"
    else:
        drifted = [name for name in judged["ranked"] if _line(judged, name)["drifted"]]
        headline = (f"Drift: {', '.join(drifted)}" if alarm else "No drift found")
    parts = [f"<h1>Drift report: {_e(model.name)} {_e(model.version)}</h1>",
             f"<p>{_e(source)}: {rows:,} scored rows against the model's reference profile "
             f"({sum(judged['predictions']['reference']):,} training rows).</p>",
             f"<p class=\"verdict {'drifted' if alarm else 'stable'}\">{_e(headline)}</p>",
             f"<p class=\"figures\">A feature drifted when a two-sample chi-square test rejects at "
             f"{judged['alpha']:g} with a Bonferroni correction across the {len(judged['ranked'])} lines "
             f"(p below {judged['corrected_alpha']:.2g}) and its PSI is at least {judged['psi_alarm']:g}.</p>",
             "<p class=\"legend\"><span class=\"ref\">&#9632; reference (training)</span>"
             "<span class=\"file\">&#9632; this file</span></p>",
             _section("Predictions", judged["predictions"])]
    parts += [_section(name, judged["features"][name]) for name in judged["ranked"] if name in judged["features"]]
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Drift report: {_e(model.name)} {_e(model.version)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def _line(judged: dict[str, Any], name: str) -> dict[str, Any]:
    return judged["features"].get(name) or judged["predictions"]


def _section(name: str, line: dict[str, Any]) -> str:
    state = "drifted" if line["drifted"] else "stable"
    word = "drifted" if line["drifted"] else ("differs, below the PSI alarm" if line["rejected"] else "no drift")
    return (f"<section data-feature=\"{_e(name)}\" data-drifted=\"{str(line['drifted']).lower()}\">"
            f"<h2>{_e(name)}: <span class=\"{state}\">{word}</span></h2>"
            f"<p class=\"figures\">PSI {line['psi']:.3f}, Jensen-Shannon distance {line['js_distance']:.3f}, "
            f"chi-square {line['chi2']:.1f} on {line['df']} degree{'' if line['df'] == 1 else 's'} of freedom, "
            f"p {'below 1e-300' if line['p_value'] == 0 else format(line['p_value'], '.2g')}</p>"
            f"{_histograms(line)}</section>")


def _histograms(line: dict[str, Any]) -> str:
    """Each bin's share of the reference and of the file, side by side (bins empty in both left out)."""
    ref, obs = line["reference"], line["observed"]
    shown = [i for i in range(len(ref)) if ref[i] or obs[i]]
    ref_total, obs_total = max(sum(ref), 1), max(sum(obs), 1)
    shares = [(ref[i] / ref_total, obs[i] / obs_total) for i in shown]
    top = max([max(pair) for pair in shares] + [1e-9])
    left = 60  # the first label, slanted, reaches this far left of its bars
    width = left + max(len(shown), 1) * 40 + 10
    bars = []
    for k, (i, (r, o)) in enumerate(zip(shown, shares)):
        x = left + k * 40
        for dx, share, color in ((0, r, "#7a869a"), (17, o, "#2856c6")):
            h = share / top * 100
            bars.append(f"<rect x=\"{x + dx}\" y=\"{110 - h:.1f}\" width=\"16\" height=\"{h:.1f}\" fill=\"{color}\">"
                        f"<title>{_e(line['labels'][i])}: {share:.1%}</title></rect>")
        # slanted, whole: a bin's label ("[302.5, 303.6)") is wider than its two bars
        bars.append(f"<text transform=\"translate({x + 24} 120) rotate(-35)\" font-size=\"9\" text-anchor=\"end\">"
                    f"{_e(_short(line['labels'][i]))}</text>")
    return (f"<svg viewBox=\"0 0 {width} 175\" width=\"{width}\" height=\"175\" role=\"img\" "
            f"aria-label=\"reference and file shares per bin\">"
            f"{''.join(bars)}</svg>")


def _short(label: str) -> str:
    return label if len(label) <= 18 else label[:17] + "\u2026"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
