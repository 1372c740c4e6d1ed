"""Demo phase: the residents of every household, with valid ID numbers, phones and care tags."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings

from gridgov.lib.crypto import FieldCipher, cipher_for
from gridgov.lib.idcard import make_id_number
from gridgov.people.models import CareTag, Resident
from gridgov.territory.demo import names
from gridgov.territory.demo.context import DISTRICT_CODE, REFERENCE_DATE, Demo, insert_rows

# Household sizes 1–5 and their shares; the mean is 2.6 people, as in Shifeng's rosters.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_SHARES = (0.20, 0.30, 0.28, 0.14, 0.08)
# Ages of the person who heads a household (lower bound of each band) and the bands' shares.
HEAD_AGE_BANDS = ((25, 35), (35, 45), (45, 55), (55, 65), (65, 75), (75, 90))
HEAD_AGE_SHARES = (0.18, 0.20, 0.22, 0.20, 0.13, 0.07)
# Shares of single-person households that are an elderly person living alone: ~3% of all residents.
ELDERLY_ALONE_SHARE = 0.42
LOW_INCOME_HOUSEHOLDS = 0.022
# Mainland mobile prefixes: the 13x, 15x, 17x, 18x and 19x blocks of the three carriers.
MOBILE_BLOCKS = {"13": "0123456789", "15": "012356789", "17": "35678", "18": "0123456789", "19": "1389"}
MOBILE_PREFIXES = [block + digit for block, digits in MOBILE_BLOCKS.items() for digit in digits]
INSERT_EVERY = 20_000
COLUMNS = (
    "household",
    "name",
    "gender",
    "birth_date",
    "id_number_encrypted",
    "id_number_hash",
    "phone_encrypted",
    "phone_hash",
    "care_tags",
)


@dataclass(slots=True)
class Person:
    """A resident before encryption: who they are and which care tags they carry."""

    name: str
    gender: str
    age: int
    tags: list[str] = field(default_factory=list)


def run(demo: Demo) -> dict[str, int]:
    """Create the residents of the households made by the housing phase."""
    rng = demo.sub_rng("residents")
    households: list[int] = demo.extra.get("households", [])
    sizes = household_sizes(len(households), demo.scale.residents, rng)
    maker = ResidentMaker(rng, cipher_for(settings.FIELD_ENCRYPTION_KEY))
    made = 0
    batch: list[tuple[object, ...]] = []
    for household, size in zip(households, sizes, strict=True):
        batch.extend(maker.row(household, person) for person in family(size, rng))
        if len(batch) >= INSERT_EVERY:
            made += insert_rows(Resident, COLUMNS, batch)
            batch = []
    made += insert_rows(Resident, COLUMNS, batch)
    return {"residents": made}


def household_sizes(households: int, residents: int, rng: random.Random) -> list[int]:
    """Return the size of each household, drawn from the shares and adjusted to the exact total."""
    if households == 0:
        return []
    sizes = rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_SHARES, k=households)
    difference = residents - sum(sizes)
    while difference:
        i = rng.randrange(households)
        if difference > 0 and sizes[i] < 6:
            sizes[i] += 1
            difference -= 1
        elif difference < 0 and sizes[i] > 1:
            sizes[i] -= 1
            difference += 1
    return sizes


def family(size: int, rng: random.Random) -> list[Person]:
    """Return the members of a household of the size: single people, couples, children, grandparents."""
    low_income = rng.random() < LOW_INCOME_HOUSEHOLDS
    members = _composition(size, rng)
    for person in members:
        person.tags.extend(_personal_tags(person, rng))
        if low_income:
            person.tags.append(CareTag.LOW_INCOME)
    return members


def _composition(size: int, rng: random.Random) -> list[Person]:
    if size == 1:
        if rng.random() < ELDERLY_ALONE_SHARE:
            return [_person(rng, rng.choice("MFF"), rng.randint(65, 92), tags=[CareTag.ELDERLY_ALONE])]
        return [_person(rng, rng.choice("MF"), rng.randint(20, 64))]
    draw = rng.random()
    if size <= 3 and draw < 0.02 * size:
        # Grandparents raising a grandchild whose parents work away: a left-behind child.
        family_name = names.surname(rng)
        elders = _couple(rng, rng.randint(58, 78), family_name)[: size - 1]
        child = _person(rng, rng.choice("MF"), rng.randint(3, 15), family_name, [CareTag.LEFT_BEHIND_CHILD])
        return [*elders, child]
    family_name = names.surname(rng)
    # Three generations under one roof: the middle one is of working age.
    head_age = _head_age(rng) if size < 5 else rng.randint(30, 50)
    parents = _couple(rng, head_age, family_name) if size > 2 or draw > 0.15 else _couple(rng, head_age)[:1]
    youngest_parent = min(p.age for p in parents)
    children = [_child(rng, youngest_parent, family_name) for _ in range(min(2, size - len(parents)))]
    elders = [
        _person(rng, rng.choice("MF"), min(99, head_age + rng.randint(24, 32)), family_name)
        for _ in range(size - len(parents) - len(children))
    ]
    return [*parents, *children, *elders]


def _head_age(rng: random.Random) -> int:
    low, high = rng.choices(HEAD_AGE_BANDS, weights=HEAD_AGE_SHARES)[0]
    return rng.randrange(low, high)


def _couple(rng: random.Random, age: int, family_name: str | None = None) -> list[Person]:
    husband = _person(rng, "M", age, family_name)
    wife = _person(rng, "F", max(20, min(99, age + rng.randint(-5, 2))))
    return [husband, wife]


def _child(rng: random.Random, youngest_parent: int, family_name: str) -> Person:
    age = max(0, youngest_parent - rng.randint(22, 36))
    return _person(rng, rng.choice("MF"), age, family_name)


def _person(
    rng: random.Random, gender: str, age: int, family_name: str | None = None, tags: list[str] | None = None
) -> Person:
    birth_year = REFERENCE_DATE.year - age - 1
    return Person(names.person_name(rng, gender, birth_year, family_name), gender, age, list(tags or []))


def _personal_tags(person: Person, rng: random.Random) -> Iterator[str]:
    """Yield the care tags of one person; shares rise with age as in community registers."""
    elderly = person.age >= 60
    if rng.random() < (0.045 if elderly else 0.012):
        yield CareTag.DISABLED
    if person.gender == "M" and person.age >= 40 and rng.random() < 0.02:
        yield CareTag.VETERAN
    if rng.random() < (0.016 if elderly else 0.005):
        yield CareTag.SERIOUS_ILLNESS


class ResidentMaker:
    """Turn people into Resident rows: birth date, a unique ID number, a phone, encrypted fields."""

    def __init__(self, rng: random.Random, cipher: FieldCipher) -> None:
        self.rng = rng
        self.cipher = cipher
        self.used: set[str] = set()

    def row(self, household: int, person: Person) -> tuple[object, ...]:
        """Return the person's values for `COLUMNS`, with ID number and phone encrypted."""
        born = REFERENCE_DATE - timedelta(days=int(person.age * 365.2425) + self.rng.randrange(1, 366))
        id_number = self.id_number(born, person.gender)
        phone = self.phone(person.age)
        return (
            household,
            person.name,
            person.gender,
            born,
            *self.cipher.seal(id_number),
            *self.cipher.seal(phone),
            ",".join(dict.fromkeys(person.tags)),
        )

    def id_number(self, born: date, gender: str) -> str:
        """Return an ID number not used before in this build; odd sequence for men, even for women."""
        while True:
            sequence = 2 * self.rng.randrange(500) + 1 if gender == "M" else 2 * self.rng.randrange(1, 500)
            number = make_id_number(DISTRICT_CODE, born, sequence)
            if number not in self.used:
                self.used.add(number)
                return number

    def phone(self, age: int) -> str:
        """Return a mobile number for most adults and older children, or an empty string."""
        share = 0.0 if age < 14 else 0.95 if age < 65 else 0.72 if age < 80 else 0.4
        if self.rng.random() >= share:
            return ""
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
