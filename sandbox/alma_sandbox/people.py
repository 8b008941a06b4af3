"""Deterministic invented students: the `/students` and `/students/grade-levels` lists of each year."""

import copy
import random
import unicodedata
from datetime import date, timedelta
from typing import Any

from alma_sandbox.ids import fmt_date, fmt_ts, make_id, rng, ts_of

Record = dict[str, Any]

# Invented people only: first and last names are drawn independently. Non-ASCII on purpose.
FIRST_NAMES_INTL = [
    "José",
    "Zoë",
    "Łukasz",
    "Renée",
    "Chloé",
    "Björn",
    "Søren",
    "Ana-María",
    "Siobhán",
    "Inés",
    "François",
    "Dário",
    "Anaïs",
    "Mikołaj",
    "Thảo",
]
FIRST_NAMES = [
    "Avery",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Ava",
    "Ethan",
    "Lucas",
    "Amara",
    "Kenji",
    "Priya",
    "Mateo",
    "Aaliyah",
    "Yusuf",
    "Hana",
    "Nia",
    "Oscar",
    "Ruby",
    "Jalen",
    "Maya",
    "Elijah",
    "Sofia",
    "Caleb",
    "Leila",
    "Omar",
    "Grace",
    "Diego",
    "Harper",
    "Kai",
    "Naomi",
]
LAST_NAMES = [
    "Nguyễn",
    "Müller",
    "Øberg",
    "Kowalski",
    "García",
    "O'Connor",
    "Smith",
    "Johnson",
    "Okafor",
    "Tanaka",
    "Patel",
    "Rossi",
    "Silva",
    "Haddad",
    "Novak",
    "Brown",
    "Lee",
    "Wiśniewski",
    "Şahin",
    "Fernández",
    "Dubois",
    "Andersen",
    "Kim",
    "Mensah",
    "Cohen",
    "Walker",
    "Reyes",
    "Hughes",
]
NICKNAMES = ["Sunny", "Bea", "Max", "Jojo", "Teddy", "Lulu", "Sam", "Remy"]
RACES = [
    "White",
    "Black or African American",
    "Asian",
    "American Indian or Alaska Native",
    "Native Hawaiian or Pacific Islander",
    "Other",
    "Not Specified",
    "Choose Not to Respond",
]
LANGUAGES = [
    ["English"],
    ["English"],
    ["English"],
    ["English", "Spanish"],
    ["Spanish"],
    ["Vietnamese"],
    ["Polish"],
    ["English", "French"],
]
GRADUATED = 13  # grade index past 12th: appears in the current list as a graduate


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(str.maketrans("ŁłØø", "LlOo")))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _pad(student_id: str, r: random.Random) -> str:
    """A stray-whitespace copy of an id, as some Alma lists serve them."""
    return r.choice([student_id + " ", " " + student_id, student_id + "  ", student_id + "\t"])


def make_people(seed: int, slug: str, count: int, current: date) -> list[Record]:
    """`count` students of the current year. The last two are a graduate and a not-activated record."""
    people = []
    for i in range(count):
        r = rng(seed, "student", slug, i)
        grade = r.randrange(13)
        status = "Locked" if r.random() < 0.01 else "Active"
        if r.random() < 0.03 or (count >= 5 and i == count - 1):
            status = "Not Activated"
        elif r.random() < 0.02 or (count >= 5 and i == count - 2):
            status, grade = "Graduated", GRADUATED
        people.append(_person(seed, slug, i, r, grade, status, current))
    return people


def _person(seed: int, slug: str, i: int, r: random.Random, grade: int, status: str, current: date) -> Record:
    intl = i == 0 or r.random() < 0.3
    first = r.choice(FIRST_NAMES_INTL if intl else FIRST_NAMES)
    last = r.choice(LAST_NAMES)
    if status == "Not Activated":
        created = ts_of(current + timedelta(days=r.randrange(5, 60)), r.randrange(86400))
    else:
        created = ts_of(
            current - timedelta(days=365 * min(grade, 6) + r.randrange(30, 200)), r.randrange(86400)
        )
    modified = max(created, ts_of(current + timedelta(days=r.randrange(0, 60)), r.randrange(86400)))
    born = current - timedelta(days=365 * (grade + 5) + r.randrange(365))
    dob: str | None = fmt_date(born)
    roll = r.random()
    if roll < 0.02:
        dob = None
    elif roll < 0.04:
        dob = ""  # Alma sometimes returns an empty dob instead of null
    record = {
        "id": make_id(created, seed, "student", slug, i),
        "username": f"{_ascii(first)}.{_ascii(last)}{i}",
        "firstName": first,
        "middleName": r.choice(["", "", "J", "Marie", "Lee", "Ángel"]),
        "lastName": last,
        "preferredName": r.choice(NICKNAMES) if r.random() < 0.1 else None,
        "schoolId": str(r.randrange(1000000, 9999999)) if r.random() < 0.95 else None,
        "stateId": str(r.randrange(10**9, 10**10)) if r.random() < 0.7 else None,
        "districtId": r.choice([None, "", f"D-{r.randrange(10000):04d}"] + [f"D-{i:04d}"] * 7),
        "gender": r.choice(["Male", "Female", "Male", "Female", "Not Specified"]),
        "ethnicity": r.choice(
            ["Hispanic Or Latino", "Not Hispanic Or Latino", "Not Hispanic Or Latino", "Not Specified"]
        ),
        "race": r.sample(RACES, 2 if r.random() < 0.1 else 1),
        "languages": copy.copy(r.choice(LANGUAGES)) if r.random() < 0.9 else None,
        "dob": dob,
        "graduationYear": current.year + 13 - grade if r.random() < 0.92 else None,
        "status": status,
        "externalIds": [],
        "created": fmt_ts(created),
        "modified": fmt_ts(modified),
    }
    return {"record": record, "grade": grade}


def share_students(people: list[Record], previous: list[Record]) -> None:
    """Enrol a few of the previous school's active students here too (same id in both schools)."""
    shared = [p for p in previous if p["record"]["status"] == "Active"][: min(3, len(people) // 10)]
    for n, person in enumerate(shared):
        people[n + 1] = copy.deepcopy(person)


def build_year(
    seed: int,
    slug: str,
    people: list[Record],
    year: Record,
    back: int,
    grade_ids: list[str],
    creators: list[str],
) -> tuple[list[Record], list[Record], dict[str, str]]:
    """One year's `/students` list, its `students/grade-levels` list, and {trimmed id: status}.

    `back` is how many years before the current one this is; students are one grade lower per year back.
    """
    students, placements, enrolled = [], [], {}
    start = date.fromisoformat(year["startDate"])
    for i, person in enumerate(people):
        record, grade = person["record"], person["grade"] - back
        status = record["status"]
        if back:
            if status == "Not Activated" or grade < 0:
                continue  # not enrolled yet that year
            status = "Active"
        r = rng(seed, "enrol", slug, record["id"], year["id"])
        served = dict(record, status=status, race=list(record["race"]))
        if record["languages"] is not None:
            served["languages"] = list(record["languages"])
        if i == 1 or r.random() < 0.03:
            served["id"] = _pad(record["id"], r)
        students.append(served)
        enrolled[record["id"]] = status
        if status == "Graduated":
            continue  # no grade placement after graduation
        placements.append(
            _placements(seed, slug, i, record["id"], grade, year, start, r, grade_ids, creators)
        )
    return students, placements, enrolled


def _placements(
    seed: int,
    slug: str,
    i: int,
    student_id: str,
    grade: int,
    year: Record,
    start: date,
    r: random.Random,
    grade_ids: list[str],
    creators: list[str],
) -> Record:
    versions = [(grade, start)]
    if i == 3 or r.random() < 0.03:  # a mid-year grade change: two placements in one year
        versions.append((min(grade + 1, 12), start + timedelta(days=r.randrange(30, 120))))
    levels = []
    for v, (g, effective) in enumerate(versions):
        created = ts_of(effective - timedelta(days=r.randrange(0, 20)), r.randrange(86400))
        grade_id = grade_ids[g]
        if i == 4 or r.random() < 0.03:
            grade_id = _pad(grade_id, r)
        levels.append(
            {
                "id": make_id(created, seed, "placement", slug, student_id, year["id"], v),
                "gradeLevelId": grade_id,
                "comment": r.choice(["", "", "", "Promoted", "Placement reviewed"])
                if v == 0
                else "Grade change",
                "creator": r.choice(creators),
                "schoolYearId": year["id"],
                "school": slug,
                "effectiveDate": fmt_date(effective),
                "created": fmt_ts(created),
            }
        )
    served_id = _pad(student_id, r) if i == 2 or r.random() < 0.03 else student_id
    return {"id": served_id, "gradeLevels": levels}
