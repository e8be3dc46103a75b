"""Sentences with numbers in them, in the catalogs' plural forms. The findings page, its Markdown export and
the PDF reports all word their counts here, so the three read the same in every language.

A sentence such as "27 of 37 defendants were not promptly told …" holds two numbers. The noun after "of"
agrees with the total (ru «из 21 подсудимого», «из 37 подсудимых»), the verb with the count (ru «1 из 37 …
был», «2 из 37 … были»). So the noun is a message of its own, chosen by the total (the ``*_of`` helpers), and
the sentence around it is chosen by the count.

A checklist's ``finding`` is a plural predicate (docs/checklists.md, "Findings: the sentence in a report"),
and a count in the "one" form needs a singular verb:

- English findings are past-tense predicates, where only "were" (and "are", "have", "do") change for one
  subject: :func:`agree` makes that one word singular ("1 of 37 defendants was not promptly told …");
- Russian predicates cannot be made singular by rule (gender, participles), so the catalog's "one" form
  (1, 21, 31 … but not 11) puts the finding into a relative clause that agrees with the plural noun:
  «Подсудимых, которые не были уведомлены …, — 1 из 37» — the way Russian reports count cases;
- Kazakh verbs do not agree in number and nouns after numerals stay singular: both forms read alike.

The catalogs' texts are used unformatted and then filled here, so the same message can hold plain text (the
Markdown, the PDF) or escaped HTML with links (the findings page, ``html=True``).
"""

from flask_babel import get_translations
from markupsafe import escape

# The catalog's text, unformatted (flask_babel's functions of the same names fill in the values at once).
# They keep gettext's names so that `make messages` collects their strings.


def gettext(message: str) -> str:
    return get_translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return get_translations().ngettext(singular, plural, n)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return get_translations().npgettext(context, singular, plural, n)


def fill(template: str, html: bool = False, **values) -> str:
    """``template`` with ``values`` in it; with ``html`` the text is escaped except values that are Markup."""
    if html:
        return escape(template) % values  # escape() gives Markup: the values are escaped as they go in
    return template % values


def number(count) -> int:
    """The number a plural form is chosen by: a count dict's ``count``, or the number itself (None is 0)."""
    if isinstance(count, dict):
        count = count["count"]
    return int(count or 0)


# English agreement -------------------------------------------------------------------------------------

SINGULAR_EN = {"were": "was", "are": "is", "have": "has", "do": "does", "don't": "doesn't"}
# Where more than the verb changes: a plural noun after it (the witness item "were police officers …").
SINGULAR_EN_PHRASES = {"were police officers": "was a police officer"}


def agree(finding: str, count: int, lang: str) -> str:
    """The checklist's plural predicate made to follow ``count``: English "were" → "was" for one."""
    if lang != "en" or count != 1:
        return finding
    for plural, singular in SINGULAR_EN_PHRASES.items():
        if finding == plural or finding.startswith(plural + " "):
            return singular + finding[len(plural) :]
    first, _space, rest = finding.partition(" ")
    word = SINGULAR_EN.get(first)
    return f"{word} {rest}".rstrip() if word else finding


# The nouns after "N of", chosen by the total ----------------------------------------------------------


def defendants_of(total: int) -> str:
    return npgettext("after 'N of'", "defendant", "defendants", total)


def witnesses_of(total: int) -> str:
    return npgettext("after 'N of'", "witness", "witnesses", total)


def sittings_of(total: int) -> str:
    return npgettext("after 'N of'", "sitting", "sittings", total)


def defendants_on_trial_of(total: int) -> str:
    return npgettext("after 'N of'", "defendant on trial", "defendants on trial", total)


def people_alleging_of(total: int) -> str:
    return npgettext(
        "after 'N of'",
        "person who alleged torture or ill-treatment",
        "people who alleged torture or ill-treatment",
        total,
    )


# A checklist item's finding -----------------------------------------------------------------------------


def item_sentence(scope: str, count, total, finding: str, lang: str, html: bool = False, shown=None) -> str:
    """ "27 of 37 defendants were not promptly told …" for an item of ``scope`` (defendant, witness,
    hearing, or ``case`` for a fact of the case file); ``shown`` holds what to print for ``count`` and
    ``total`` (links on the findings page), else the numbers."""
    n, of = number(count), number(total)
    shown = shown or {}
    values = {
        "count": shown.get("count", n),
        "total": shown.get("total", of),
        "finding": agree(finding, n, lang),
    }
    if scope == "hearing" or scope == "sitting":
        template = gettext("In %(count)s of %(total)s %(sittings)s, %(finding)s")
        values["sittings"] = sittings_of(of)
    elif scope == "witness":
        template = ngettext(
            "%(count)s of %(total)s %(witnesses)s %(finding)s",
            "%(count)s of %(total)s %(witnesses)s %(finding)s",
            n,
        )
        values["witnesses"] = witnesses_of(of)
    elif scope == "case":
        template = ngettext(
            "%(count)s of %(total)s %(defendants_on_trial)s %(finding)s",
            "%(count)s of %(total)s %(defendants_on_trial)s %(finding)s",
            n,
        )
        values["defendants_on_trial"] = defendants_on_trial_of(of)
    else:
        template = ngettext(
            "%(count)s of %(total)s %(defendants)s %(finding)s",
            "%(count)s of %(total)s %(defendants)s %(finding)s",
            n,
        )
        values["defendants"] = defendants_of(of)
    return fill(template, html, **values)


# The method: what the findings are based on -------------------------------------------------------------


def method_sentence(method: dict, html: bool = False, shown=None) -> str:
    """ "Based on 5 sittings (12 observations by 3 observers) in 2 trials between … and …; 9 defendants were
    seen in court." — every count in its own plural form."""
    shown = shown or {}
    m = method

    def piece(key, template):
        return fill(template, html, num=shown.get(key, number(m[key])))

    return fill(
        gettext(
            "Based on %(sittings)s (%(observations)s by %(observers)s) in %(trials)s between %(first)s and "
            "%(last)s; %(defendants)s."
        ),
        html,
        sittings=piece(
            "sittings",
            npgettext("Based on …", "%(num)s sitting", "%(num)s sittings", number(m["sittings"])),
        ),
        observations=piece(
            "observations",
            npgettext("Based on …", "%(num)s observation", "%(num)s observations", number(m["observations"])),
        ),
        observers=piece(
            "observers",
            npgettext("… observations by", "%(num)s observer", "%(num)s observers", number(m["observers"])),
        ),
        trials=piece(
            "trials",
            npgettext("… sittings in", "%(num)s trial", "%(num)s trials", number(m["trials"])),
        ),
        defendants=piece(
            "defendants_observed",
            ngettext(
                "%(num)s defendant was seen in court",
                "%(num)s defendants were seen in court",
                number(m["defendants_observed"]),
            ),
        ),
        first=m["first_date"] or "—",
        last=m["last_date"] or "—",
    )


# Key findings ----------------------------------------------------------------------------------------------
# Each: (its refs, a function of the findings data, html and the shown values → the sentence).

KEY_REFS = {
    "defendants_alleging": ["CAT 1", "CAT 16", "ICCPR 7"],
    "witnesses_alleging": ["ICCPR 7", "CAT 15"],
    "investigation_ordered": ["CAT 12", "CAT 13"],
    "evidence_excluded": ["CAT 15"],
    "convictions_resting_on_anonymous": ["ICCPR 14(3)(e)"],
    "judge_over_48": ["ICCPR 9(3)", "GC35 ¶33"],
}
# The path of each count in the findings data (for the page's links).
KEY_PATHS = {
    "defendants_alleging": "torture.defendants_alleging",
    "witnesses_alleging": "torture.witnesses_alleging",
    "investigation_ordered": "torture.investigation_ordered",
    "evidence_excluded": "torture.evidence_excluded",
    "relied_on": "torture.relied_on",
    "convictions_resting_on_anonymous": "anonymous_witnesses.convictions_resting_on_anonymous",
    "judge_over_48": "custody.judge_over_48",
    "judge_over_72": "custody.judge_over_72",
}


def key_findings(found: dict, html: bool = False, shown=None) -> list[tuple[str, list[str]]]:
    """The six key findings as (sentence, refs), in the order of the page and the report. ``shown`` maps a
    key of KEY_PATHS to what to print for that count (a link); totals print as numbers."""
    shown = shown or {}
    t, a, c = found["torture"], found["anonymous_witnesses"], found["custody"]

    def show(key, count):
        return shown.get(key, number(count))

    alleging = t["defendants_alleging"]
    heard = t["witnesses_alleging"]
    alleged_by = number(t["investigation_ordered"]["of"])  # the persons alleging, each once
    anonymous = a["convictions_resting_on_anonymous"]
    late = c["judge_over_48"]
    sentences = {
        "defendants_alleging": fill(
            ngettext(
                "%(count)s of %(total)s %(defendants_on_trial)s told the court they had been tortured or "
                "ill-treated",
                "%(count)s of %(total)s %(defendants_on_trial)s told the court they had been tortured or "
                "ill-treated",
                number(alleging),
            ),
            html,
            count=show("defendants_alleging", alleging),
            total=number(alleging["of"]),
            defendants_on_trial=defendants_on_trial_of(number(alleging["of"])),
        ),
        "witnesses_alleging": fill(
            ngettext(
                "%(count)s of %(total)s %(witnesses_heard)s said they had been tortured or ill-treated",
                "%(count)s of %(total)s %(witnesses_heard)s said they had been tortured or ill-treated",
                number(heard),
            ),
            html,
            count=show("witnesses_alleging", heard),
            total=number(heard["of"]),
            witnesses_heard=npgettext(
                "after 'N of'", "witness heard", "witnesses heard", number(heard["of"])
            ),
        ),
        "investigation_ordered": fill(
            gettext("The court ordered an investigation for %(count)s of %(total)s %(people_alleging)s"),
            html,
            count=show("investigation_ordered", t["investigation_ordered"]),
            total=alleged_by,
            people_alleging=people_alleging_of(alleged_by),
        ),
        "evidence_excluded": fill(
            gettext(
                "Evidence was excluded for %(count)s of %(total)s %(people_alleging)s; it was relied on in "
                "the judgment for %(relied)s"
            ),
            html,
            count=show("evidence_excluded", t["evidence_excluded"]),
            total=alleged_by,
            people_alleging=people_alleging_of(alleged_by),
            relied=show("relied_on", t["relied_on"]),
        ),
        "convictions_resting_on_anonymous": fill(
            ngettext(
                "The conviction of %(count)s of %(total)s %(convicted)s rested mainly on the testimony of "
                "an anonymous witness",
                "The convictions of %(count)s of %(total)s %(convicted)s rested mainly on the testimony of "
                "an anonymous witness",
                number(anonymous),
            ),
            html,
            count=show("convictions_resting_on_anonymous", anonymous),
            total=number(anonymous["of"]),
            convicted=npgettext(
                "after 'N of'", "convicted defendant", "convicted defendants", number(anonymous["of"])
            ),
        ),
        "judge_over_48": fill(
            ngettext(
                "%(count)s of %(total)s %(defendants)s was brought before a judge more than 48 hours after "
                "their actual apprehension; %(over72)s after more than 72 hours",
                "%(count)s of %(total)s %(defendants)s were brought before a judge more than 48 hours after "
                "their actual apprehension; %(over72)s after more than 72 hours",
                number(late),
            ),
            html,
            count=show("judge_over_48", late),
            total=number(late["of"]),
            defendants=defendants_of(number(late["of"])),
            over72=show("judge_over_72", c["judge_over_72"]),
        ),
    }
    return [(sentences[key], KEY_REFS[key]) for key in KEY_REFS]


# Other counted phrases ------------------------------------------------------------------------------------


def allegations_raised(count, named, html: bool = False, shown=None) -> str:
    shown = shown or {}
    return fill(
        ngettext(
            "%(count)s allegation was raised in court; perpetrators were named in %(named)s.",
            "%(count)s allegations were raised in court; perpetrators were named in %(named)s.",
            number(count),
        ),
        html,
        count=shown.get("count", number(count)),
        named=shown.get("named", number(named)),
    )


def anonymous_sentence(count, html: bool = False, shown=None) -> str:
    """ "3 of 9 witnesses heard testified anonymously"."""
    shown = shown or {}
    return fill(
        ngettext(
            "%(count)s of %(total)s %(witnesses_heard)s testified anonymously",
            "%(count)s of %(total)s %(witnesses_heard)s testified anonymously",
            number(count),
        ),
        html,
        count=shown.get("count", number(count)),
        total=number(count["of"]),
        witnesses_heard=npgettext("after 'N of'", "witness heard", "witnesses heard", number(count["of"])),
    )


def sentence_months(low, high, median, html: bool = False) -> str:
    """ "Sentences from 6 to 24 months (median 12)." — the unit follows the upper bound."""
    return fill(
        ngettext(
            "Sentences from %(min)s to %(max)s month (median %(median)s).",
            "Sentences from %(min)s to %(max)s months (median %(median)s).",
            number(high),
        ),
        html,
        min=_plain(low),
        max=_plain(high),
        median=_plain(median),
    )


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Facts of the case file, worded by their source (issue #11) ---------------------------------------------
# What was observed in court or stated in a court record is *established*; what someone told the mission or
# the court (the defendant, counsel, the family, the prosecution, an official statement, others) is
# *alleged*, and is never stated as an established violation: counted apart, in a sentence of its own,
# the finding quoted. The trial report's case file and the mission report word sources here.

from flask_babel import lazy_gettext as _l  # noqa: E402 (the section's own import)
from markupsafe import Markup  # noqa: E402

from ..checklists.model import ESTABLISHED_SOURCES  # noqa: E402

SOURCE_WORDS = {
    "observed": _l("observed in court"),
    "court_record": _l("according to the judgment or another court record"),
    "counsel": _l("according to defence counsel"),
    "defendant": _l("according to the defendant"),
    "family": _l("according to the family"),
    "prosecution": _l("according to the prosecution"),
    "official": _l("according to an official statement"),
    "other": _l("according to other sources"),
}


def established(source: str | None) -> bool:
    """Whether a fact of this source is established (observed in court, or a court record)."""
    return source in ESTABLISHED_SOURCES


def source_words(source: str | None) -> str:
    """A fact's source as a report says it ("according to defence counsel"); "" when none is recorded."""
    if not source:
        return ""
    return str(SOURCE_WORDS.get(source, SOURCE_WORDS["other"]))


def where_learned(date: str | None, document: str | None, source: str | None = None) -> str:
    """Where a fact was learned: "learned at the sitting of 2026-11-20", "from judgment of 3 May", both."""
    parts = []
    if date:
        if source == "observed":
            parts.append(fill(gettext("observed at the sitting of %(date)s"), date=date))
        else:
            parts.append(fill(gettext("learned at the sitting of %(date)s"), date=date))
    if document:
        parts.append(fill(gettext("from %(document)s"), document=document))
    return "; ".join(parts)


def case_sentences(entry: dict, finding: str, lang: str, html: bool = False, shown=None) -> list[str]:
    """The sentences of a case item's count (``aggregate.case_item_count``), of the defendants on trial: the
    concern established (observed, or a court record) in one, the concern alleged (by source) apart in
    another, the finding quoted. Empty when neither has anyone.

    ``shown`` holds what to print for "concern_established", "concern_alleged", "observed" and
    "by_source.<source>" (links on the findings page), else the numbers."""
    shown = shown or {}
    total = entry["concern"]["of"] if entry["concern"]["of"] is not None else number(entry["observed"])
    known = shown.get("observed", number(entry["observed"]))
    lines = []
    if number(entry["concern_established"]):
        count = entry["concern_established"]
        sentence = item_sentence(
            "case",
            count,
            total,
            finding,
            lang,
            html,
            {"count": shown.get("concern_established", number(count))},
        )
        template = gettext(
            "%(sentence)s — established: observed in court or according to a court record "
            "(known for %(known)s)"
        )
        lines.append(fill(template, html, sentence=sentence, known=known))
    if number(entry["concern_alleged"]):
        count = entry["concern_alleged"]
        parts = [
            fill(
                "%(source)s: %(count)s",
                html,
                source=source_words(source),
                count=shown.get(f"by_source.{source}", number(n)),
            )
            for source, n in entry.get("by_source", {}).items()
            if not established(source) and number(n)
        ]
        sources = Markup("; ").join(parts) if html else "; ".join(parts)
        template = ngettext(
            "Alleged, not established, for %(count)s of %(total)s %(defendants_on_trial)s: “%(finding)s” "
            "(%(sources)s; known for %(known)s)",
            "Alleged, not established, for %(count)s of %(total)s %(defendants_on_trial)s: “%(finding)s” "
            "(%(sources)s; known for %(known)s)",
            number(count),
        )
        values = {
            "count": shown.get("concern_alleged", number(count)),
            "total": total,
            "defendants_on_trial": defendants_on_trial_of(total),
            "finding": finding,
            "sources": sources,
            "known": known,
        }
        lines.append(fill(template, html, **values))
    return lines
