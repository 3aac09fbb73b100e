"""Deterministic people and places for demo and benchmark data."""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Mateo",
    "Isabella",
    "Lucas",
    "Mia",
    "Levi",
    "Charlotte",
    "Asher",
    "Harper",
    "James",
    "Evelyn",
    "Leo",
    "Luna",
    "Grayson",
    "Camila",
    "Ezra",
    "Gianna",
    "Luca",
    "Elizabeth",
    "Ethan",
    "Eleanor",
    "Aiden",
    "Ella",
    "Wyatt",
    "Abigail",
    "Sebastian",
    "Sofia",
    "Jack",
    "Avery",
    "Hudson",
    "Scarlett",
    "Benjamin",
    "Emily",
    "Henry",
    "Aria",
    "Michael",
    "Penelope",
    "Owen",
    "Chloe",
    "Daniel",
    "Layla",
    "Julian",
    "Mila",
    "Theodore",
    "Nora",
    "Samuel",
    "Hazel",
    "David",
    "Madison",
    "Joseph",
    "Ellie",
    "John",
    "Lily",
    "Zoé",
    "Renée",
    "José",
    "Chloé",
    "Ana",
    "Björn",
    "Søren",
    "Françoise",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gómez",
    "Müller",
    "Lefèvre",
    "Østergaard",
    "Núñez",
]
STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Pine St",
    "Elm St",
    "Washington Blvd",
    "Lake Rd",
    "Hill St",
    "Park Ave",
    "Sunset Blvd",
    "River Rd",
    "Church St",
    "Mill Rd",
    "Spring St",
    "Ridge Rd",
    "Highland Ave",
    "Forest Dr",
]
US_CITIES = [
    ("Austin", "TX", "787"),
    ("Portland", "OR", "972"),
    ("Denver", "CO", "802"),
    ("Chicago", "IL", "606"),
    ("Boston", "MA", "021"),
    ("Seattle", "WA", "981"),
    ("Atlanta", "GA", "303"),
    ("Phoenix", "AZ", "850"),
]
CA_CITIES = [
    ("Toronto", "ON", "M5V"),
    ("Montréal", "QC", "H2X"),
    ("Vancouver", "BC", "V6B"),
    ("Calgary", "AB", "T2P"),
]


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    line1: str
    city: str
    region: str
    postal_code: str
    country: str


def person(rng: random.Random, n: int, *, country: str = "US") -> Person:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    if country == "CA":
        city, region, prefix = rng.choice(CA_CITIES)
        postal = f"{prefix} {rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVXY')}{rng.randint(1, 9)}"
    else:
        city, region, prefix = rng.choice(US_CITIES)
        postal = f"{prefix}{rng.randint(0, 99):02d}"
    ascii_first = first.encode("ascii", "ignore").decode().lower() or "customer"
    ascii_last = last.encode("ascii", "ignore").decode().lower() or "customer"
    return Person(
        first_name=first,
        last_name=last,
        email=f"{ascii_first}.{ascii_last}.{n}@example.com",
        phone=f"+1{rng.randint(200, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}",
        line1=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        city=city,
        region=region,
        postal_code=postal,
        country=country,
    )
