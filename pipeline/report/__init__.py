"""The evidence report: one offline HTML page policy staff open in a browser.

``build`` turns the output tables into a context (every decision: which claims, which level,
which money); ``render`` lays the context out as HTML with inline CSS, JS and SVG charts.
"""

from pipeline.report.build import ReportContext, build_context, load_tables
from pipeline.report.render import render_html, write_report

__all__ = ["ReportContext", "build_context", "load_tables", "render_html", "write_report"]
