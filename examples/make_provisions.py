"""Write examples/provisions.csv: a synthetic monthly SRG delivery for rulebooks/srg.rules
(which uses rulebooks/srg-delivery.rules, so its delivery checks apply too).

The file looks like a municipal export: semicolon separated, UTF-8, one row per provision,
the rulebook's fields (all but the optional ``birth_date``, which this export does not carry)
plus two columns the engine does not read (``activity_description``, ``trajectory_id``), which
a run must carry through untouched.

Everything is made up. Person ids are TEST BSNs: nine digits from 999990000 to 999999999 that
pass the 11-test (as a BSN must), a range used for test data, never a real person's number.
The municipality codes are real CBS gemeentecodes (four digits, leading zeros kept). It reads as a combined delivery
from a processor that serves several municipalities, so that the codes vary.

Every case of the CBS newsletter is in it, with realistic weights (most rows are included),
plus a handful of planted rows, most of them bad (see ``PLANTED``). The output depends only
on ``SEED``: running this script again writes the same bytes.

Usage:
    python examples/make_provisions.py [OUTPUT]      # default: provisions.csv beside this file

Standard library only. ``build()`` returns the rows with the case each was made for; the tests
use it to check every row's decision.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20260131
REPORTING_MONTH = "2026-01"
FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2026, 1, 31)  # the end of the reporting month

# The rulebook's fields in the order an export would have them, with the extra columns
# (activity_description, trajectory_id) where a municipal system puts them.
COLUMNS = (
    "reporting_month",
    "municipality_code",
    "provision_id",
    "person_id",
    "trajectory_id",
    "category",
    "purpose",
    "legal_basis",
    "activity_description",
    "initiative",
    "involved",
    "judgement",
    "funding",
    "traceable",
    "start_date",
    "end_date",
    "end_reason",
)

# Reden einde voorziening [REF 5.1 #18] of an ended provision: 1 volledig afgerond, 2
# voortijdig gestopt, 3 gestopt door verhuizen, overlijden, detentie of zwangerschap.
END_REASONS = (("1", 60), ("2", 30), ("3", 10))

# CBS gemeentecode, name, the prefix of the municipality's provision numbers, weight.
MUNICIPALITIES = (
    ("0363", "Amsterdam", "AMS", 30),
    ("0599", "Rotterdam", "RTM", 25),
    ("0518", "'s-Gravenhage", "DHG", 20),
    ("0344", "Utrecht", "UTR", 12),
    ("0014", "Groningen", "GRO", 8),
    ("0772", "Eindhoven", "EHV", 5),
)

DESCRIPTIONS = {
    "coaching": ("Coaching naar werk", "Jobcoaching op de werkplek", "Werkfit-coaching",
                 "Begeleiding naar betaald werk", "Coaching richting participatie"),
    "training": ("Training sollicitatievaardigheden", "VCA-basis opleiding",
                 "Cursus digitale vaardigheden", "Opleiding orderpicker met certificaat",
                 "Heftruckcertificaat", "Training werknemersvaardigheden"),
    "taal_reintegratie": ("Taal op de werkvloer", "NT2 werkfit (re-integratie)",
                          "Taaltraject richting werk"),
    "taal_inburgering": ("NT2 inburgering B1", "Taalcursus Wi2021 (inburgering)",
                         "Inburgeringscursus taal"),
    "ips": ("IPS-traject GGZ", "Individuele Plaatsing en Steun"),
    "vrijwilligerswerk": ("Vrijwilligerswerk voedselbank", "Vrijwilligerswerk buurthuis",
                          "Vrijwilliger taalcafé", "Vrijwilligerswerk kringloopwinkel"),
    "sociale_activering": ("Sociale activering wijkcentrum", "Participatietraject buurtcoöperatie",
                           "Activeringstraject dagstructuur"),
    "mantelzorg": ("Mantelzorg voor ouder", "Mantelzorg partner"),
    "intake": ("Intakegesprek werk en inkomen", "Brede intake"),
    "administratie": ("Klaarzetten administratie", "Dossier aanmaken"),
    "wmo": ("Dagbesteding (Wmo)", "Individuele begeleiding Wmo"),
    "collectief": ("Groepsvoorlichting arbeidsmarkt", "Banenmarkt (collectief)",
                   "Inloopspreekuur werk"),
    "schuldhulp": ("Schuldhulpcoaching", "Budgetcoaching", "Coaching bij schuldregeling"),
}

# (case, number of rows). Cases that are one provision per row; the coach-cursus adds two
# rows per person and PLANTED adds the planted rows.
CASES = (
    ("coaching", 70),                # municipality's initiative, re-integration budget: 40
    ("training", 50),                # idem: 42
    ("taal_reintegratie", 20),       # [NB] in: taal from the re-integration budget, 42
    ("taal_inburgering", 10),        # [NB] out: taal from the inburgering budget
    ("ips", 15),                     # [NB] in: IPS, no sourced type code (unclassified)
    ("participatie_gemeente", 15),   # social activation on the municipality's initiative
    ("burger_positief", 25),         # [NB] citizen's initiative, positive judgement: in
    ("burger_negatief", 6),          # citizen's initiative, negative judgement: out
    ("burger_zonder_oordeel", 4),    # citizen's initiative, no judgement: rejected
    ("derden_betrokken", 15),        # third party (UWV, employer), municipality involved: in
    ("derden_niet_betrokken", 5),    # third party, municipality not involved: out
    ("derden_onbekend", 3),          # third party, involvement not recorded: rejected
    ("mantelzorg", 5),               # [NB] out
    ("intake", 8),                   # [NB] out
    ("administratie", 4),            # [NB] out
    ("wmo", 6),                      # [FAQ 2.3] out
    ("niet_herleidbaar", 5),         # [FAQ 2.4] collective, not traceable: out
    ("ander_doel", 5),               # [NB] coaching for debt help, re-integration money: out
)
COACH_CURSUS_PERSONS = 12            # [NB] voorbeeld coach-cursus: coaching 40 + training 42

# The planted rows: case -> (column overrides, the reasons a run gives them).
# "too_few_columns" breaks off after traceable; the CLI rejects it as malformed_row.
# "semicolon_in_text" is valid: its description holds a semicolon, so it is written quoted.
# "nog_niet_gestart" is valid too, but not yet started, so not part of the delivery: excluded.
PLANTED: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "end_before_start": ({"start_date": "2025-10-01", "end_date": "2025-09-15"},
                         ("einde_voor_begin",)),
    "category_typo": ({"category": "coachng"}, ("unknown_code:category",)),
    "missing_start_date": ({"start_date": ""}, ("missing_value:start_date",)),
    "missing_funding": ({"funding": ""}, ("missing_value:funding",)),
    "missing_person_id": ({"person_id": ""}, ("missing_value:person_id",)),
    "date_feb_30": ({"start_date": "2025-02-30"}, ("invalid_date:start_date",)),
    "date_dutch_order": ({"start_date": "2025-01-06", "end_date": "31-01-2025"},
                         ("invalid_date:end_date",)),
    "boolean_misschien": ({"traceable": "misschien"}, ("invalid_boolean:traceable",)),
    "two_problems": ({"initiative": "gemeentelijk", "involved": "jaa"},
                     ("unknown_code:initiative", "invalid_boolean:involved")),
    "too_few_columns": ({}, ("malformed_row",)),
    # The delivery checks of rulebooks/srg-delivery.rules.
    "bsn_elfproef": ({"person_id": "999990018"}, ("invalid_bsn:person_id",)),
    "gemeentecode_drie_cijfers": ({"municipality_code": "363"},
                                  ("unknown_code:municipality_code",)),
    # Appingedam (0003) merged into Eemsdelta in 2021: not a municipality in 2026-01.
    "gemeente_opgeheven": ({"municipality_code": "0003"}, ("not_in_force:municipality_code",)),
    "registratienummer_te_lang": ({"provision_id": "AMS-2025-0001234"},
                                  ("registratienummer_te_lang",)),
    "reden_zonder_einddatum": ({"end_reason": "2"}, ("reden_zonder_einddatum",)),
    # Valid, but it starts after the reporting month: not a provision of this delivery, so no
    # include rule matches and it is excluded.
    "nog_niet_gestart": ({"start_date": "2026-02-15"}, ("no_include_matched",)),
    "semicolon_in_text": ({"activity_description": "Training; solliciteren en netwerken"},
                          ("voorziening", "training")),
}


class _Maker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.sequence: Counter[str] = Counter()
        self.next_person = 999_990_000
        self.next_trajectory = 1
        # Persons per municipality who already have a provision, with their count.
        self.persons: dict[str, list[list]] = {code: [] for code, *_ in MUNICIPALITIES}

    def municipality(self) -> tuple[str, str]:
        weights = [weight for *_, weight in MUNICIPALITIES]
        code, _, prefix, _ = self.rng.choices(MUNICIPALITIES, weights)[0]
        return code, prefix

    def new_person(self, code: str) -> str:
        """A test BSN not handed out before: the next numbers passing the 11-test, skipping
        one or two now and then so that they are not consecutive."""
        for _ in range(self.rng.randint(1, 2)):
            self.next_person += 1
            while not passes_eleven_test(f"{self.next_person:09d}"):
                self.next_person += 1
        if self.next_person > 999_999_999:
            raise ValueError("out of test BSNs")
        person = f"{self.next_person:09d}"
        self.persons[code].append([person, 1])
        return person

    def person(self, code: str) -> str:
        """A new person, or now and then one who already has a provision here (~1.4 each)."""
        known = [entry for entry in self.persons[code] if entry[1] < 3]
        if known and self.rng.random() < 0.29:
            entry = self.rng.choice(known[-25:])
            entry[1] += 1
            return entry[0]
        return self.new_person(code)

    def provision_id(self, prefix: str, start: dt.date) -> str:
        self.sequence[prefix] += 1
        return f"{prefix}{start.year}{self.sequence[prefix] * 7 + 1000:06d}"  # 13 characters

    def start(self) -> dt.date:
        # More recent starts are more common in a monthly delivery.
        span = (LAST_DAY - FIRST_DAY).days
        return FIRST_DAY + dt.timedelta(days=int(span * self.rng.random() ** 0.7))

    def end(self, start: dt.date) -> str:
        """Mostly running (empty), some ended, a few with the CBS "unknown" 00000000."""
        draw = self.rng.random()
        if draw < 0.025:
            return "00000000"
        if draw < 0.225 and (LAST_DAY - start).days > 20:
            return start + dt.timedelta(days=self.rng.randint(14, (LAST_DAY - start).days))
        return ""

    def end_reason(self, end: dt.date | str) -> str:
        """1, 2 or 3 for an ended provision; for a running one mostly empty, sometimes the
        2013 layout's default 9 (niet van toepassing)."""
        if isinstance(end, dt.date):
            codes, weights = zip(*END_REASONS)
            return self.rng.choices(codes, weights)[0]
        return "9" if self.rng.random() < 0.3 else ""

    def boolean(self, value: bool) -> str:
        if self.rng.random() < 0.025:
            return "true" if value else "false"
        return "ja" if value else "nee"

    def date_text(self, value: dt.date | str) -> str:
        if isinstance(value, str):
            return value
        if self.rng.random() < 0.04:
            return value.strftime("%Y%m%d")  # some packages write compact dates
        return value.isoformat()

    def legal_basis(self) -> str:
        """Mostly the Participatiewet, sometimes the IOAW, and now and then not recorded."""
        return self.rng.choices(["participatiewet", "ioaw", ""], [80, 5, 15])[0]

    def row(self, category: str, description_key: str, *, purpose: str = "reintegratie",
            legal_basis: str | None = None, initiative: str = "gemeente",
            involved: bool | None = True, judgement: str = "", funding: str = "reintegratie",
            traceable: bool = True, code: str | None = None, prefix: str | None = None,
            person: str | None = None, start: dt.date | None = None, end: dt.date | str | None = None,
            trajectory: str = "") -> dict[str, str]:
        if code is None:
            code, prefix = self.municipality()
        start = start or self.start()
        end = self.end(start) if end is None else end
        return {
            "reporting_month": REPORTING_MONTH,
            "municipality_code": code,
            "provision_id": self.provision_id(prefix, start),
            "person_id": person or self.person(code),
            "trajectory_id": trajectory,
            "category": category,
            "purpose": purpose,
            "legal_basis": self.legal_basis() if legal_basis is None else legal_basis,
            "activity_description": self.rng.choice(DESCRIPTIONS[description_key]),
            "initiative": initiative,
            "involved": "" if involved is None else self.boolean(involved),
            "judgement": judgement,
            "funding": funding,
            "traceable": self.boolean(traceable),
            "start_date": self.date_text(start),
            "end_date": self.date_text(end),
            "end_reason": self.end_reason(end),
        }

    def funding_in(self) -> str:
        """Re-integration money: mostly the budget itself, sometimes added or accountable."""
        return self.rng.choices(["reintegratie", "toegevoegd", "verantwoord"], [85, 10, 5])[0]

    def case(self, case: str) -> list[dict[str, str]]:
        rng = self.rng
        if case in ("coaching", "training"):
            return [self.row(case, case, funding=self.funding_in(),
                             involved=rng.choice([True, True, True, None]))]
        if case == "taal_reintegratie":
            return [self.row("taal", case)]
        if case == "taal_inburgering":
            # Deployed for participation under the Wet inburgering: the money excludes it.
            return [self.row("taal", case, purpose="participatie", legal_basis="inburgering",
                             funding="inburgering")]
        if case == "ips":
            return [self.row("ips", case, funding=self.funding_in())]
        if case == "participatie_gemeente":
            return [self.row("sociale_activering", "sociale_activering", purpose="participatie")]
        if case.startswith("burger_"):
            category = rng.choice(["vrijwilligerswerk", "vrijwilligerswerk", "sociale_activering"])
            judgement = {"burger_positief": "positief", "burger_negatief": "negatief",
                         "burger_zonder_oordeel": ""}[case]
            return [self.row(category, category, purpose="participatie", initiative="burger",
                             judgement=judgement, involved=judgement != "")]
        if case == "derden_betrokken":
            category = rng.choice(["coaching", "coaching", "training", "ips"])
            return [self.row(category, category, initiative="derden", involved=True)]
        if case in ("derden_niet_betrokken", "derden_onbekend"):
            category = rng.choice(["coaching", "training"])
            return [self.row(category, category, initiative="derden",
                             involved=False if case == "derden_niet_betrokken" else None)]
        if case == "mantelzorg":
            return [self.row(case, case, purpose="overig")]
        if case in ("intake", "administratie"):
            # Registered as part of the re-integration work they prepare.
            return [self.row(case, case)]
        if case == "wmo":
            category = rng.choice(["sociale_activering", "coaching"])
            return [self.row(category, "wmo", purpose="participatie", legal_basis="wmo",
                             funding="wmo")]
        if case == "ander_doel":
            # Debt help paid from re-integration money: the purpose, not the money, excludes it.
            return [self.row("coaching", "schuldhulp", purpose="overig",
                             legal_basis=rng.choice(["overig", "overig", ""]),
                             funding=self.funding_in())]
        if case == "niet_herleidbaar":
            category = rng.choice(["training", "coaching"])
            return [self.row(category, "collectief", traceable=False)]
        raise ValueError(f"unknown case {case!r}")

    def coach_cursus(self) -> list[dict[str, str]]:
        """[NB] One person, one 'coach-cursus' trajectory, two provisions: 40 and 42.

        The training's four days are one provision, so one row."""
        code, prefix = self.municipality()
        person = self.new_person(code)
        self.persons[code][-1][1] = 2
        trajectory = f"TRJ-{code}-{self.next_trajectory:04d}"
        self.next_trajectory += 1
        start = min(self.start(), LAST_DAY - dt.timedelta(days=120))
        training_start = start + dt.timedelta(days=self.rng.randint(7, 21))
        training_end = training_start + dt.timedelta(days=3 * 30)  # four monthly days
        coaching = self.row("coaching", "coaching", code=code, prefix=prefix, person=person,
                            start=start, end="", trajectory=trajectory)
        coaching["activity_description"] = "Coach-cursus: coaching naar werk"
        training = self.row("training", "training", code=code, prefix=prefix, person=person,
                            start=training_start,
                            end=training_end if training_end <= LAST_DAY else "",
                            trajectory=trajectory)
        training["activity_description"] = "Coach-cursus: training (4 dagen)"
        return [coaching, training]

    def planted(self, case: str) -> dict[str, str]:
        overrides, _ = PLANTED[case]
        category = "training" if case == "semicolon_in_text" else "coaching"
        row = self.row(category, category, end="")
        row["end_reason"] = ""  # running, no reason: only the override makes the case
        row.update(overrides)
        return row


def passes_eleven_test(digits: str) -> bool:
    """The BSN 11-test: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not 0)."""
    total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), digits))
    return len(digits) == 9 and total % 11 == 0 and total != 0


def build(seed: int = SEED) -> list[tuple[str, dict[str, str]]]:
    """Every row of the delivery, in file order, with the case it was made for."""
    rng = random.Random(seed)
    maker = _Maker(rng)
    rows: list[tuple[str, dict[str, str]]] = []
    for case, count in CASES:
        rows.extend((case, row) for _ in range(count) for row in maker.case(case))
    for _ in range(COACH_CURSUS_PERSONS):
        rows.extend(("coach_cursus", row) for row in maker.coach_cursus())
    rng.shuffle(rows)
    # Keep the two rows of one coach-cursus together, as an export sorted by person would.
    rows = _pairs_together(rows)
    # The planted rows go at fixed-but-scattered places.
    for case in PLANTED:
        rows.insert(rng.randrange(len(rows) + 1), (case, maker.planted(case)))
    return rows


def _pairs_together(rows: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    ordered: list[tuple[str, dict[str, str]]] = []
    placed: set[int] = set()
    for index, (case, row) in enumerate(rows):
        if index in placed:
            continue
        if case != "coach_cursus":
            ordered.append((case, row))
            continue
        pair = [(other_case, other_row) for other, (other_case, other_row) in enumerate(rows)
                if other_case == "coach_cursus"
                and other_row["trajectory_id"] == row["trajectory_id"]]
        placed.update(other for other, (other_case, other_row) in enumerate(rows)
                      if other_case == "coach_cursus"
                      and other_row["trajectory_id"] == row["trajectory_id"])
        ordered.extend(sorted(pair, key=lambda item: item[1]["category"]))  # coaching first
    return ordered


def write(path: Path, seed: int = SEED) -> list[tuple[str, dict[str, str]]]:
    rows = build(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for case, row in rows:
            values = [row[column] for column in COLUMNS]
            if case == "too_few_columns":
                values = values[: COLUMNS.index("traceable") + 1]  # the export broke off
            writer.writerow(values)
    return rows


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "provisions.csv"
    rows = write(target)
    cases = Counter(case for case, _ in rows)
    persons = {row["person_id"] for _, row in rows if row["person_id"]}
    print(f"wrote {target}: {len(rows)} rows, {len(persons)} persons "
          f"({len(rows) / len(persons):.2f} provisions per person)")
    for case, count in sorted(cases.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {case:<26} {count:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
