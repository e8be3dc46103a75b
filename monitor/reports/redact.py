"""Redaction profiles: what leaves the system, for whom.

- ``internal`` — everything.
- ``partner`` — anonymous witnesses' identities and named perpetrators removed.
- ``public`` — additionally, people replaced by stable pseudonyms and free text removed unless it was
  marked publishable:

  * defendants get the pseudonym the lead chose for them (``defendant.pseudonym``) when it is set,
    names no one and no other defendant of the mission chose it first (by creation); otherwise a keyed
    HMAC of their uuid ("Defendant 3F2A1B"). Witnesses and observers get the HMAC one; any other account
    of the mission (the lead, a reviewer) is "Person …". The key stays in the instance folder and never
    goes into an export.
  * removed: every witness identity, reviewer name, perpetrator, judge and prosecutor (people, not
    institutions), the case number (it finds the defendants' names in the court's records), the mission's
    description, the trial's charges and every other free text (:data:`FREE_TEXT`).
  * kept, with every name in them replaced (:class:`_Names`): the mission's name and country, trial titles
    and courts, publishable notes.

  The names replaced are every name the mission's records hold — defendants, witnesses' labels and
  identities, accounts (display names and user names), judges, prosecutors, perpetrators — matched as
  whole names and part by part (a surname alone, a given name alone), case-insensitively, inside any
  text; Cyrillic parts also in their Russian and Kazakh inflected forms. The rules are on :class:`_Names`
  and in docs/exports.md.
"""

import copy
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
import uuid

from .. import private_files
from .columns import COLUMNS

PROFILES = ("internal", "partner", "public")
REMOVED = ""
# Free text that may name people, and fields that hold people's names: dropped from public exports.
FREE_TEXT = {
    "trials": ("case_number", "judges", "prosecutor", "charges"),
    "hearings": ("access_note", "present", "summary", "courtroom", "judge"),
    "answers": ("note",),
    "witnesses": ("testimony", "anonymity_reason"),
    "allegations": (
        "account",
        "place",
        "raised_to",
        "investigation",
        "reprisals",
        "methods_other",
        "medical_by",
        "outcome",
    ),
    "reviews": ("comment",),
    "sittings": ("courtroom", "judge"),
    "witness_persons": ("anonymity_reason",),
    "reconciliations": ("reason",),
    "case_facts": ("note", "learned_from"),
    "case_fact_history": ("note", "learned_from", "reason"),
    "defendants": ("charges", "sentence"),
    "mission": ("description",),
}
# Columns the public profile fills with pseudonyms itself: the net of names does not go over them again.
PSEUDONYMS = {
    "defendants": {"name", "pseudonym"},
    "witnesses": {"label"},
    "witness_persons": {"label"},
    "hearings": {"observer"},
}
# Who recorded or decided what: in internal exports only (a partner or the public reads the facts, not
# which member of the mission established them).
RECORDERS = {
    "reconciliations": ("decided_by", "decided_by_uuid"),
    "case_facts": ("recorded_by", "recorded_by_uuid"),
    "case_fact_history": ("recorded_by", "recorded_by_uuid", "changed_by", "changed_by_uuid"),
}
# Withheld from every edition but the internal one, and said so where it would stand (not left blank).
WITHHELD = {
    "witnesses": frozenset({"identity"}),
    "witness_persons": frozenset({"identity"}),
    "allegations": frozenset({"perpetrators"}),
}


def withheld(profile: str, table: str, column: str) -> bool:
    """Whether ``profile`` takes ``column`` of ``table`` out (see :meth:`Redaction.__init__`)."""
    return profile != "internal" and column in WITHHELD.get(table, frozenset())


# A stored value that is a key (yes, an option's key, a number), not text someone typed.
CODE = re.compile(r"[a-z0-9_]{1,64}")


def key_path(instance_path: str) -> str:
    return os.path.join(instance_path, "pseudonym.key")


def pseudonym_key(instance_path: str) -> bytes:
    """The machine's pseudonym key, created on first use (owner-only)."""
    path = key_path(instance_path)
    private_files.create_once(path, secrets.token_hex(32))  # never read half-written by another process
    with open(path, encoding="ascii") as f:
        return bytes.fromhex(f.read().strip())


def pseudonym(key: bytes, kind: str, record_uuid: str) -> str:
    """A stable, unguessable name for a person: the same uuid and key always give the same one."""
    digest = hmac.new(key, f"{kind}:{record_uuid}".encode(), hashlib.sha256).hexdigest()
    return f"{kind.capitalize()} {digest[:6].upper()}"


def pseudonymous_uuid(key: bytes, record_uuid: str) -> str:
    """A stable stand-in uuid: rows still join, but not to the account behind them."""
    digest = hmac.new(key, f"uuid:{record_uuid}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def redact(data: dict, profile: str, key: bytes | None = None) -> dict:
    """A copy of a dataset (see dataset.load) with what ``profile`` may not show removed or replaced."""
    redaction = Redaction(data, profile, key)
    result = redaction.data
    result["answers"] = [redaction.answer(dict(answer)) for answer in data["answers"]]
    result["case_fact_history"] = [redaction.history(dict(row)) for row in data.get("case_fact_history", ())]
    return result


class Redaction:
    """A profile's rules fitted to one dataset: every table but the answers redacted at once (``data``),
    the answers one row at a time (:meth:`answer`) — a mission's answers run into millions of rows and are
    redacted as they are read from the database, with exactly the rules :func:`redact` applies.

    The dataset's ``private`` part (the names the mission's records hold, see dataset.load) is used here
    and never passed on, whatever the profile.
    """

    def __init__(self, data: dict, profile: str, key: bytes | None = None):
        if profile not in PROFILES:
            raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
        self.profile = profile
        self._names: _Names | None = None
        self._values: dict[str, str] = {}
        private = data.get("private") or {}
        streamed = ("answers", "case_fact_history", "private")
        data = {name: _copy(rows) for name, rows in data.items() if name not in streamed}
        data["answers"] = []
        data["case_fact_history"] = []
        for table in TABLES_SINCE_UNITS:  # a dataset made before these tables existed
            data.setdefault(table, [])
        data["profile"] = profile
        self.data = data
        if profile == "internal":
            return
        for witness in [*data["witnesses"], *data["witness_persons"]]:
            if witness["anonymous"]:
                witness["identity"] = REMOVED
        for table, columns in RECORDERS.items():
            for row in data[table]:
                for column in columns:
                    row[column] = REMOVED
        perpetrators = [a["perpetrators"] for a in data["allegations"]]
        for allegation in data["allegations"]:
            allegation["perpetrators"] = REMOVED
        # What the observer marked confidential stays inside the organisation.
        withheld = {"strict"} if profile == "partner" else {"strict", "confidential"}
        data["allegations"] = [a for a in data["allegations"] if a.get("confidentiality") not in withheld]
        if profile == "partner":
            return
        if key is None:
            raise ValueError("the public profile needs the pseudonym key")
        names = self._names = _names(data, private, perpetrators, key)
        aliases = _aliases(data, private, names, key)
        names.finish(aliases)
        for defendant in data["defendants"]:
            defendant["name"] = defendant["pseudonym"] = aliases[("defendant", defendant["uuid"])]
        for witness in data["witnesses"]:
            witness["identity"] = REMOVED
            witness["label"] = aliases[("witness", _person(witness))]  # a label is typed by hand: a name?
        for person in data["witness_persons"]:
            person["identity"] = REMOVED
            person["label"] = aliases[("witness", person["uuid"])]
        for row in [*data["case_facts"], *data["reconciliations"]]:
            row["value"] = self._code(row["value"])
        for hearing in data["hearings"]:
            hearing["observer"] = aliases[("account", hearing["observer_uuid"])]
            hearing["observer_uuid"] = pseudonymous_uuid(key, hearing["observer_uuid"])
        for review in data["reviews"]:
            review["reviewer"] = REMOVED
        for table, columns in FREE_TEXT.items():
            if table in streamed:
                continue
            for row in [data[table]] if table == "mission" else data[table]:
                for column in columns:
                    row[column] = REMOVED
        data["notes"] = [note for note in data["notes"] if note["publishable"]]
        # A last net: any name left in any text (a trial called after its first defendant, a mission
        # after its place and a witness, a publishable note) is replaced by that person's pseudonym.
        names.replace_in(data)

    def answer(self, answer: dict) -> dict:
        """One answer row (as dataset.load gives it) redacted in place; returned for convenience."""
        if self.profile != "public":
            return answer
        for name in FREE_TEXT["answers"]:
            answer[name] = REMOVED
        value = answer["value"]
        if value and value not in YESNO_AND_CODES and not value.isdigit():  # free text too
            answer["value"] = REMOVED
        if self._names is not None:
            self._names.replace_in_row(answer, _text_columns("answers"))
        return answer

    def _code(self, value: str) -> str:
        """A case fact's or reconciled answer's value in a public export: a key or a number stays, text
        someone typed (which may name a person) goes."""
        if not value or CODE.fullmatch(value):
            if value and self._names is not None and self._names.names_someone(value):
                return REMOVED
            return value
        return REMOVED

    def history(self, row: dict) -> dict:
        """One earlier value of a case fact (dataset.History's row) redacted in place; returned."""
        if self.profile == "internal":
            return row
        for column in RECORDERS["case_fact_history"]:
            row[column] = REMOVED
        if self.profile != "public":
            return row
        for column in FREE_TEXT["case_fact_history"]:
            row[column] = REMOVED
        row["value"] = self._code(row["value"])
        if self._names is not None:
            self._names.replace_in_row(row, _text_columns("case_fact_history"))
        return row

    def answer_value(self, value: str) -> str:
        """An answer's value as :meth:`answer` leaves it (for readers that take only the values)."""
        if self.profile != "public":
            return value
        redacted = self._values.get(value)
        if redacted is None:
            redacted = self.answer({"value": value})["value"]
            if len(self._values) < 10_000:  # a few answers (yes, no, …) make up millions of rows
                self._values[value] = redacted
        return redacted


# Tables added with the units of issue 11 (sittings, witness persons, reconciliations, the case file).
TABLES_SINCE_UNITS = (
    "sittings",
    "witness_persons",
    "witness_appearances",
    "reconciliations",
    "case_facts",
    "case_fact_history",
)
YESNO_AND_CODES = {
    "yes",
    "no",
    "unclear",
    "not_observed",
    "confession",
    "anonymous_witness",
    "police_witnesses",
    "documents",
    "other",
}


def _copy(value):
    """A deep copy of a dataset's table (a list of flat rows) or record; far quicker than deepcopy."""
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return [_copy(row) for row in value]
    if isinstance(value, dict) and not any(isinstance(v, list | dict) for v in value.values()):
        return dict(value)
    return copy.deepcopy(value)


def _text_columns(table: str) -> frozenset[str]:
    """The columns of ``table`` that hold text a person typed (not keys, codes, dates or uuids)."""
    found = _TEXT_COLUMNS.get(table)
    if found is None:
        found = _TEXT_COLUMNS[table] = frozenset(
            c.name for c in COLUMNS.get(table, ()) if c.kind == "text" and c.labels is None
        ) - PSEUDONYMS.get(table, set())
    return found


_TEXT_COLUMNS: dict[str, frozenset[str]] = {}


# Who is named, and under which pseudonym ------------------------------------------------------------

DEFENDANT, WITNESS, ACCOUNT = "defendant", "witness", "account"


def _names(data: dict, private: dict, perpetrators: list[str], key: bytes) -> "_Names":
    """Every name the dataset and its private part hold, with the person (owner) each belongs to.

    Fields that hold only a name (a defendant's name, an account's display and user name) give every part
    of it; fields that describe a person ("Police officer, name withheld", "Judge A. Petrov", a witness's
    label) give only their capitalised parts.
    """
    names = _Names(key)
    for defendant in data["defendants"]:
        names.add((DEFENDANT, defendant["uuid"]), defendant["name"])
    for account in private.get("accounts", ()):
        names.add((ACCOUNT, account["uuid"]), account["display_name"])
        names.add((ACCOUNT, account["uuid"]), account["username"], username=True)
    for hearing in data["hearings"]:
        names.add((ACCOUNT, hearing["observer_uuid"]), hearing["observer"])
        names.add(None, hearing["judge"], described=True)
    for sitting in data.get("sittings", ()):
        names.add(None, sitting["judge"], described=True)
    for witness in [*private.get("witnesses", ()), *data["witnesses"]]:
        names.add((WITNESS, _person(witness)), witness["label"], described=True)
        names.add((WITNESS, _person(witness)), witness["identity"], described=True)
    for trial in data["trials"]:
        names.add(None, trial["judges"], described=True)
        names.add(None, trial["prosecutor"], described=True)
    for text in [*private.get("judges", ()), *private.get("perpetrators", ()), *perpetrators]:
        names.add(None, text, described=True)
    names.freeze()
    return names


def _person(witness: dict) -> str:
    """The person a witness row is of: one pseudonym for a witness however many sittings heard them."""
    return witness.get("person_uuid") or witness["uuid"]


def _aliases(data: dict, private: dict, names: "_Names", key: bytes) -> dict:
    """Each person's pseudonym, by owner (see :func:`_names`)."""
    aliases = {}
    for hearing in data["hearings"]:
        uuid_ = hearing["observer_uuid"]
        aliases[(ACCOUNT, uuid_)] = pseudonym(key, "observer", uuid_)
    for account in private.get("accounts", ()):
        aliases.setdefault((ACCOUNT, account["uuid"]), pseudonym(key, "person", account["uuid"]))
    for witness in [*private.get("witnesses", ()), *data["witnesses"]]:
        aliases[(WITNESS, _person(witness))] = pseudonym(key, "witness", _person(witness))
    # The lead's own pseudonym for a defendant, unless it names someone or an earlier defendant has it.
    defendants = {d["uuid"]: d for d in data["defendants"]}
    order = [u for u in private.get("defendant_order", ()) if u in defendants]
    listed = set(order)
    order += [u for u in defendants if u not in listed]
    computed = {u: pseudonym(key, "defendant", u) for u in order}
    taken = {_fold(alias) for alias in computed.values()}
    for uuid_ in order:
        chosen = " ".join((defendants[uuid_]["pseudonym"] or "").split())
        if chosen and _fold(chosen) not in taken and not names.names_someone(chosen):
            taken.add(_fold(chosen))
            aliases[(DEFENDANT, uuid_)] = chosen
        else:
            aliases[(DEFENDANT, uuid_)] = computed[uuid_]
    return aliases


# Finding names in text -----------------------------------------------------------------------------

WORD = re.compile(r"\w+")
NAME_PART = re.compile(r"[^\W\d_]+")  # the letters of a name, split at spaces, hyphens, dots, digits
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SHORTEST = 3  # a part of a name shorter than this ("Li", an initial) is matched only in the whole name
INFLECTED_FROM = 4  # a Cyrillic part this long is matched in its inflected forms too


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Russian case endings (nouns, surnames in -ov/-in, feminine forms), and Kazakh case, plural and
# plural-and-case endings, in every vowel-harmony variant.
RU_ENDINGS = _words(
    "а я у ю е и ы ой ей ом ем ою ею ым им ых их ого его ому ему ыми ими ам ям ами ями ах ях ов ев"
)
_KK_CASES = _words(
    "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде "
    "дан ден тан тен нан нен мен бен пен"
)
_KK_PLURAL = _words("лар лер дар дер тар тер")
ENDINGS = frozenset(RU_ENDINGS | {*_KK_CASES, *_KK_PLURAL} | {p + c for p in _KK_PLURAL for c in _KK_CASES})
SHORT_ENDINGS = frozenset(e for e in RU_ENDINGS if len(e) <= 2)  # after a four-letter part
LONGEST_ENDING = max(len(e) for e in ENDINGS)
# What an ending replaces: Мария → Марии, Игорь → Игоря, Выдуманный → Выдуманного, Толстая → Толстой.
DROPPED = _words("а я о е и й ь ы у ый ий ой ая яя ое")
# Words that are a part of many a name or description but name no one: particles, titles, ranks, roles,
# and given names that are also ordinary words (Will, Вера, Бақыт) — these are matched only as part of
# the whole name. Casefolded, ё as е.
STOP_WORDS = _words(
    """
    and the for with from others other against versus case trial court mission people person name named
    withheld unknown anonymous prosecutor prosecution defendant defendants accused witness witnesses
    observer observers judge judges lawyer advocate counsel defence defense expert doctor police
    policeman officer investigator victim relative mother father son daughter brother sister wife husband
    unit department team lead leader head chief deputy member staff guard mrs miss sir madam dame lord
    captain major lieutenant colonel sergeant general corporal private agent inspector detective demo test
    user admin administrator von van der den del della des dos bin ibn bint abu ben uly kyzy qyzy uulu
    ogly oglu kizi qizi will may mark rose grace hope joy faith bill frank june april august dawn summer
    victor art don guy pat sue rob jack ray dean king young white black brown green gray grey long little
    small hill wood field well bell hall price rich love islam justice liberty freedom example sample
    прокурор обвинение обвиняемый обвиняемая обвиняемые подсудимый подсудимая подсудимые свидетель
    свидетельница свидетели наблюдатель судья судьи суд дело адвокат защитник защита эксперт врач
    полиция полиции полицейский сотрудник следователь потерпевший потерпевшая аноним анонимный неизвестный
    другие других против господин госпожа капитан майор лейтенант полковник сержант генерал начальник
    оглы кызы улы вера надежда любовь роза слава мир лев ислам демо тест
    айыптаушы айыпталушы сотталушы куәгер бақылаушы сот іс қорғаушы сарапшы дәрігер полиция қызметкер
    тергеуші жәбірленуші басқалар басқа және мырза ханым ұлы қызы бақыт нұр алтын күн жан ер
    """
)


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


# Characters a reader does not see inside a word, but that split it for a search: a soft hyphen (word
# processors), zero-width spaces and joiners, direction marks and the byte-order mark (web pages).
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _plain(text: str) -> str:
    """Text as a reader sees it, in one encoding: composed letters (NFC: "Й", not "И" and a combining
    breve, as a paste from a PDF may give it) and no invisible characters, so a name matches however it
    was typed."""
    if not text.isascii():
        text = INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return text


class _Names:
    """Real names → pseudonyms, wherever they appear in text.

    Matched, case-insensitively, word by word (so a name inside a word is not one: "Defendant 1" is not
    in "Defendant 12"):

    - a whole name, as written in its field (any length: "Li Wei", "Defendant 1");
    - each part of it alone — a surname, a given name, a patronymic — if it has at least
      :data:`SHORTEST` letters and is not one of :data:`STOP_WORDS` (a title, a role, a particle, a
      given name that is also an ordinary word); for fields that describe rather than name (a witness's
      identity, a judge), only the capitalised parts, and not short all-capital ones (ОВД, KNB);
    - a Cyrillic part of :data:`INFLECTED_FROM` or more letters also inflected: followed by a Russian or
      Kazakh case ending (:data:`ENDINGS`; only the short Russian ones after a four-letter part, so that
      "Алма" does not take "Алматы"), its final vowel, soft sign or adjectival ending possibly replaced
      (Мария → Марии, Выдуманный → Выдуманного).

    A part shared by two people is replaced by a pseudonym of its own (it cannot say which of them);
    parts of one person next to each other ("Testbayev Serik") become one pseudonym.
    """

    def __init__(self, key: bytes):
        self._key = key
        self._owners: dict[str, set] = {}  # folded part → owners
        self._bases: dict[str, tuple[set, bool]] = {}  # folded stem → owners, long (all endings)?
        self._whole: dict[tuple, set] = {}  # folded words of a whole name → owners
        # What a name is replaced by: the pseudonym once :meth:`finish` has worked them out, "" before
        # (frozen: the names are known, and :meth:`names_someone` can find them).
        self._exact: dict[str, str] = {}  # folded part → its replacement
        self._stems: dict[str, tuple[str, bool]] = {}  # folded stem → its replacement, long
        self._phrases: dict[tuple, str] = {}  # folded words of a whole name → its replacement
        self._finished = False
        self._firsts: set[str] = set()
        self._longest = 0
        self._seen: dict[str, str] = {}  # answers repeat a few values millions of times

    # Collecting ------------------------------------------------------------------------------------

    def add(self, owner, text: str | None, described: bool = False, username: bool = False) -> None:
        """The name(s) in ``text``, belonging to ``owner`` (``None``: someone with no record)."""
        if not text or not text.strip():
            return
        text = _plain(text)
        words = tuple(_fold(w) for w in WORD.findall(text))
        parts = NAME_PART.findall(text)
        qualified = [part for part in parts if self._qualifies(part, described)]
        if described and not qualified:
            return  # "Police officer, name withheld", "W1": no name in it
        if 1 < len(words) <= 6:  # a whole name (a single word is one of its parts below), not a paragraph
            self._whole.setdefault(words, set()).add(owner)
        for part in qualified:
            folded = _fold(part)
            self._owners.setdefault(folded, set()).add(owner)
            if CYRILLIC.search(folded) and len(folded) >= INFLECTED_FROM:
                long = len(folded) > INFLECTED_FROM
                self._base(folded, owner, long)
                for cut in (1, 2) if long else ():
                    if folded[-cut:] in DROPPED and len(folded) - cut >= INFLECTED_FROM:
                        self._base(folded[:-cut], owner, True)

    def _base(self, stem: str, owner, long: bool) -> None:
        owners, was_long = self._bases.get(stem, (set(), False))
        owners.add(owner)
        self._bases[stem] = (owners, was_long or long)

    @staticmethod
    def _qualifies(part: str, described: bool) -> bool:
        if len(part) < SHORTEST or _fold(part) in STOP_WORDS:
            return False
        if described:
            return part[0].isupper() and not (part.isupper() and len(part) <= 4)
        return True

    def freeze(self) -> None:
        """Done collecting: :meth:`names_someone` works from here; :meth:`finish` gives the pseudonyms."""
        self._exact = dict.fromkeys(self._owners, "")
        self._stems = {stem: ("", long) for stem, (_owners, long) in self._bases.items()}
        self._phrases = dict.fromkeys(self._whole, "")
        self._firsts = {words[0] for words in self._phrases}
        self._longest = max((len(words) for words in self._phrases), default=0)

    def names_someone(self, text: str) -> bool:
        """Whether ``text`` holds any name collected."""
        return bool(self._spans(_plain(text)))

    def finish(self, aliases: dict) -> None:
        """Each name's replacement: its owner's pseudonym, or — a name shared by people, or of someone
        with no record — a pseudonym of the name itself."""

        def alias(word: str, owners: set) -> str:
            if len(owners) == 1:
                (owner,) = owners
                if owner in aliases:
                    return aliases[owner]
            return pseudonym(self._key, "person", f"name:{word}")

        self._exact = {word: alias(word, owners) for word, owners in self._owners.items()}
        self._stems = {stem: (alias(stem, owners), long) for stem, (owners, long) in self._bases.items()}
        self._phrases = {words: alias(" ".join(words), owners) for words, owners in self._whole.items()}
        self._finished = True

    # Replacing -------------------------------------------------------------------------------------

    def _word(self, word: str) -> str | None:
        """The replacement (after :meth:`finish`; "" before) of one folded word, or ``None``."""
        found = self._exact.get(word)
        if found is not None or not self._stems or not "\u0400" <= word[-1] <= "\u04ff":
            return found
        entry = self._stems.get(word)  # a feminine surname's stem is the masculine one: Иванова → Иванов
        if entry is not None and entry[1]:
            return entry[0]
        for cut in range(1, min(LONGEST_ENDING, len(word) - INFLECTED_FROM) + 1):
            entry = self._stems.get(word[:-cut])
            if entry is not None and word[-cut:] in (ENDINGS if entry[1] else SHORT_ENDINGS):
                return entry[0]
        return None

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) of every name in ``text``, in order."""
        matches = list(WORD.finditer(text))
        words = [_fold(m.group()) for m in matches]
        spans, i = [], 0
        while i < len(matches):
            n, found = 1, None
            if words[i] in self._firsts:  # the longest whole name starting here, if any
                for n in range(min(self._longest, len(matches) - i), 1, -1):  # noqa: B007
                    found = self._phrases.get(tuple(words[i : i + n]))
                    if found is not None:
                        break
            if found is None:
                n, found = 1, self._word(words[i])
            if found is not None:
                spans.append((matches[i].start(), matches[i + n - 1].end(), found))
            i += n
        return spans

    def text(self, value: str) -> str:
        if not self._finished:
            raise RuntimeError("the names' pseudonyms are not worked out yet (finish)")
        value = _plain(value)  # what is kept is the text in this form too: it reads the same
        spans = self._spans(value)
        if not spans:
            return value
        out, position, previous = [], 0, None
        for start, end, alias in spans:
            gap = value[position:start]
            if alias == previous and not gap.strip():  # "Testbayev Serik": one person, one pseudonym
                position = end
                continue
            out += [gap, alias]
            position, previous = end, alias
        out.append(value[position:])
        return "".join(out)

    def replace_in_row(self, row: dict, columns: frozenset[str] | None = None) -> None:
        """The names in a row's text columns (``columns``; by default every column but uuids) replaced."""
        for column, value in row.items():
            if not isinstance(value, str) or not value:
                continue
            if columns is not None and column not in columns:
                continue
            if columns is None and (column == "uuid" or column.endswith("_uuid")):
                continue
            replaced = self._seen.get(value)
            if replaced is None:
                replaced = self.text(value)
                if len(self._seen) < 10_000:
                    self._seen[value] = replaced
            row[column] = replaced

    def replace_in(self, data: dict) -> None:
        for table, rows in data.items():
            if isinstance(rows, list) and rows:
                # the text columns, and any column the export does not describe yet (unless a uuid)
                described = {c.name for c in COLUMNS.get(table, ())} | PSEUDONYMS.get(table, set())
                extra = {c for c in rows[0] if c not in described and c != "uuid" and not c.endswith("_uuid")}
                columns = _text_columns(table) | extra
                for row in rows:
                    self.replace_in_row(row, columns)
        mission = data.get("mission", {})
        for column in ("name", "country", "description"):
            if isinstance(mission.get(column), str):
                mission[column] = self.text(mission[column])
