"""The output tables' contract (``SCHEMA.md``) as data: names, column order, types, keys.

Everything that writes or describes a table (CSV writer, DuckDB loader, ``datapackage.json``)
reads this one definition, so the contract cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless type: string, integer, number, boolean, date
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, table, field)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.columns}


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse ``"name:type, name:type"`` (type defaults to string)."""
    out = []
    for item in spec.split(","):
        item = item.strip()
        name, _, typ = item.partition(":")
        out.append(Column(name.strip(), (typ or "string").strip()))
    return tuple(out)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "documents",
            "One row per input file, with its metadata and processing status.",
            _cols(
                "doc_id, file, sha256, format, title, organisation, doc_type, period_label,"
                " period_start:date, period_end:date, pages:integer, n_sections:integer,"
                " n_claims:integer, status, error, reporting_start:date, reporting_end:date, warnings"
            ),
            primary_key=("doc_id",),
        ),
        Table(
            "sections",
            "One row per heading, with the pages it spans.",
            _cols(
                "section_id, doc_id, parent_id, level:integer, number, title,"
                " page_start:integer, page_end:integer"
            ),
            primary_key=("section_id",),
            foreign_keys=(("doc_id", "documents", "doc_id"),),
        ),
        Table(
            "claims",
            "One row per sentence of body text, typed, with offsets into text/<doc_id>.txt.",
            _cols(
                "claim_id, doc_id, section_id, page:integer, text, claim_type,"
                " char_start:integer, char_end:integer, restates_aim_id, repeat_of"
            ),
            primary_key=("claim_id",),
            foreign_keys=(("doc_id", "documents", "doc_id"),),
        ),
        Table(
            "money",
            "One row per amount of money (value in units of currency; low end for a range).",
            _cols(
                "mention_id, claim_id, doc_id, text, value:number, low:number, high:number,"
                " currency, approx:boolean, qualifier, per, role"
            ),
            primary_key=("mention_id",),
            foreign_keys=(("claim_id", "claims", "claim_id"),),
        ),
        Table(
            "figures",
            "One row per other quantity (count, percent, ordinal or a unit as written).",
            _cols(
                "mention_id, claim_id, doc_id, text, value:number, low:number, high:number,"
                " unit, approx:boolean, qualifier, measure"
            ),
            primary_key=("mention_id",),
            foreign_keys=(("claim_id", "claims", "claim_id"),),
        ),
        Table(
            "dates",
            "One row per date or period, with inclusive ISO start and end.",
            _cols(
                "mention_id, claim_id, doc_id, text, start:date, end:date, granularity,"
                " resolved:boolean"
            ),
            primary_key=("mention_id",),
            foreign_keys=(("claim_id", "claims", "claim_id"),),
        ),
        Table(
            "plans",
            "One row per strategic plan (version).",
            _cols("plan_id, doc_id, title, period_start:date, period_end:date"),
            primary_key=("plan_id",),
        ),
        Table(
            "aims",
            "One row per plan element: aim, action or success measure.",
            _cols("aim_id, plan_id, outcome_id, outcome, sub_outcome_id, sub_outcome, kind, text"),
            primary_key=("aim_id",),
            foreign_keys=(("plan_id", "plans", "plan_id"),),
        ),
        Table(
            "evidence",
            "One row per (claim, plan element it is evidence for), with a score and a role"
            " (result or activity).",
            _cols("claim_id, aim_id, period_label, score:number, role"),
            primary_key=("claim_id", "aim_id"),
            foreign_keys=(("claim_id", "claims", "claim_id"), ("aim_id", "aims", "aim_id")),
        ),
        Table(
            "measure_values",
            "One row per value a report gives for a plan success measure.",
            _cols("aim_id, period_label, claim_id, mention_id, value:number, unit, score:number"),
            primary_key=("aim_id", "mention_id"),
            foreign_keys=(("claim_id", "claims", "claim_id"), ("aim_id", "aims", "aim_id")),
        ),
        Table(
            "links",
            "Up to three candidate aims per claim, best first, with a calibrated score.",
            _cols("claim_id, aim_id, sub_outcome_id, rank:integer, score:number, method"),
            primary_key=("claim_id", "rank"),
            foreign_keys=(("claim_id", "claims", "claim_id"), ("aim_id", "aims", "aim_id")),
        ),
        Table(
            "coverage",
            "Evidence per (aim, reporting period), including the pairs with none.",
            _cols(
                "plan_id, sub_outcome_id, aim_id, period_label, n_claims:integer,"
                " n_achievements:integer, n_money:integer, money_total_gbp:number,"
                " n_figures:integer, evidence, n_results:integer, n_values:integer"
            ),
            primary_key=("aim_id", "period_label"),
        ),
        Table(
            "metrics",
            "Values of measures that recur across reporting periods.",
            _cols("series_id, measure, unit, period_label, value:number, claim_id"),
            primary_key=("series_id", "period_label"),
        ),
    )
}

TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
