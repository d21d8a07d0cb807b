"""Published figures the population follows. Sources and caveats: docs/synthetic-data.md.

Figures are rounded; where a published series had to be simplified (for example to five
age bands) the simplification is stated next to it. Nothing here describes a real person.
"""

from __future__ import annotations

import numpy as np

# --- Age and sex: England, Census 2021 (ONS), usual residents in thousands by 5-year band.
AGE_BANDS = tuple(range(0, 95, 5))  # 0-4, 5-9, ..., 85-89, 90+ (treated as 90-99)
AGE_BAND_THOUSANDS = (
    3190, 3440, 3440, 3160, 3400, 3700, 3830, 3700, 3500, 3580,
    3880, 3810, 3280, 2820, 2860, 2070, 1450, 890, 500,
)  # fmt: skip
#: Share of each band that is female (ONS Census 2021, England, rounded).
FEMALE_SHARE = (
    0.488, 0.488, 0.488, 0.487, 0.494, 0.506, 0.508, 0.508, 0.506, 0.508,
    0.508, 0.507, 0.511, 0.516, 0.524, 0.534, 0.553, 0.590, 0.670,
)  # fmt: skip

# --- Ethnic group: England, Census 2021 (ONS TS021), percent, mapped to the UK Core
#     EthnicCategoryEngland codes (2001 classification). Gypsy or Irish Traveller and Roma
#     map to C (any other White background); Arab maps to S (any other ethnic group).
ETHNIC_CODES = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S")
ETHNIC_DISPLAY = (
    "British, Mixed British",
    "Irish",
    "Any other White background",
    "White and Black Caribbean",
    "White and Black African",
    "White and Asian",
    "Any other mixed background",
    "Indian or British Indian",
    "Pakistani or British Pakistani",
    "Bangladeshi or British Bangladeshi",
    "Any other Asian background",
    "Caribbean",
    "African",
    "Any other Black background",
    "Chinese",
    "Any other ethnic group",
)
ETHNIC_PERCENT = (
    73.5, 0.9, 6.6, 0.9, 0.5, 0.8, 0.8, 3.3, 2.8, 1.1, 1.6, 1.1, 2.5, 0.5, 0.7, 2.3,
)  # fmt: skip
#: Broad group per code, used by the clinical model: white, mixed, south_asian, black,
#: chinese, other.
ETHNIC_GROUP = (
    "white", "white", "white", "mixed", "mixed", "mixed", "mixed",
    "south_asian", "south_asian", "south_asian", "south_asian",
    "black", "black", "black", "chinese", "other",
)  # fmt: skip
GROUPS = ("white", "mixed", "south_asian", "black", "chinese", "other")

# --- Regions of England: share of population (ONS mid-2021, percent), each with real
#     postcode areas (area letters, main post town, highest district number used) and the
#     region's share of LSOAs in each IMD 2019 quintile (1 = most deprived), rounded.
REGIONS = (
    "North East", "North West", "Yorkshire and The Humber", "East Midlands",
    "West Midlands", "East of England", "London", "South East", "South West",
)  # fmt: skip
REGION_PERCENT = (4.7, 13.1, 9.7, 8.6, 10.5, 11.1, 15.5, 16.4, 10.1)
#: ODS-style practice code letter for the region's GP practices.
REGION_ODS_LETTER = ("A", "P", "B", "C", "M", "D", "F", "H", "L")
REGION_IMD_QUINTILES = (
    (0.31, 0.22, 0.18, 0.16, 0.13),
    (0.29, 0.19, 0.18, 0.17, 0.17),
    (0.26, 0.20, 0.19, 0.18, 0.17),
    (0.19, 0.20, 0.21, 0.20, 0.20),
    (0.27, 0.21, 0.18, 0.17, 0.17),
    (0.11, 0.18, 0.22, 0.24, 0.25),
    (0.17, 0.28, 0.25, 0.18, 0.12),
    (0.08, 0.14, 0.21, 0.26, 0.31),
    (0.11, 0.20, 0.26, 0.23, 0.20),
)
POSTCODE_AREAS: tuple[tuple[tuple[str, str, int], ...], ...] = (
    (("NE", "Newcastle upon Tyne", 66), ("SR", "Sunderland", 8), ("DH", "Durham", 9),
     ("TS", "Middlesbrough", 29)),
    (("M", "Manchester", 46), ("L", "Liverpool", 40), ("PR", "Preston", 26),
     ("BL", "Bolton", 9), ("WA", "Warrington", 16), ("CA", "Carlisle", 28)),
    (("LS", "Leeds", 29), ("S", "Sheffield", 36), ("BD", "Bradford", 24),
     ("HU", "Hull", 20), ("YO", "York", 62)),
    (("NG", "Nottingham", 25), ("LE", "Leicester", 19), ("DE", "Derby", 24),
     ("NN", "Northampton", 18), ("LN", "Lincoln", 13)),
    (("B", "Birmingham", 99), ("CV", "Coventry", 37), ("WS", "Walsall", 15),
     ("ST", "Stoke-on-Trent", 21), ("WV", "Wolverhampton", 16)),
    (("CB", "Cambridge", 11), ("NR", "Norwich", 35), ("IP", "Ipswich", 33),
     ("CM", "Chelmsford", 24), ("LU", "Luton", 7)),
    (("E", "London", 18), ("N", "London", 22), ("SE", "London", 28), ("SW", "London", 20),
     ("W", "London", 14), ("NW", "London", 11)),
    (("RG", "Reading", 45), ("OX", "Oxford", 49), ("BN", "Brighton", 45),
     ("ME", "Maidstone", 20), ("SO", "Southampton", 53), ("GU", "Guildford", 52)),
    (("BS", "Bristol", 49), ("EX", "Exeter", 39), ("PL", "Plymouth", 35),
     ("BA", "Bath", 22), ("TR", "Truro", 27)),
)  # fmt: skip
#: Letters allowed in the last two characters of a UK postcode (the inward unit).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# --- Names (common in England and Wales; ONS baby-name and surname frequency lists).
GIVEN_FEMALE = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Sophia", "Grace", "Lily", "Freya", "Emily",
    "Sarah", "Emma", "Claire", "Rebecca", "Laura", "Susan", "Margaret", "Patricia", "Helen",
    "Elizabeth", "Mary", "Jennifer", "Karen", "Joanne", "Nicola", "Fatima", "Aisha", "Priya",
    "Zainab", "Maryam", "Chloe", "Jessica", "Hannah", "Ruth", "Joan", "Dorothy", "Ayesha",
    "Amina", "Grace", "Precious",
)  # fmt: skip
GIVEN_MALE = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Jack", "Oscar", "Charlie", "Muhammad",
    "David", "John", "Michael", "Paul", "Andrew", "Mark", "James", "Robert", "Richard", "Peter",
    "Stephen", "Christopher", "Daniel", "Thomas", "William", "Ian", "Kevin", "Gary", "Raj",
    "Imran", "Mohammed", "Ahmed", "Samuel", "Joshua", "Kwame", "Tunde", "Brian", "Kenneth",
    "Alan", "Wei",
)  # fmt: skip
FAMILY = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Ali", "Ahmed", "Hussain", "Shah", "Okafor", "Mensah", "Chen", "Wang", "Kaur",
)  # fmt: skip
STREETS = (
    "High Street", "Station Road", "Church Street", "Park Road", "Victoria Road",
    "Green Lane", "Manor Road", "Church Lane", "Park Avenue", "The Avenue", "Queens Road",
    "New Road", "Grange Road", "Kings Road", "Mill Lane", "Springfield Road", "School Lane",
    "North Street", "London Road", "Albert Road", "Windsor Road", "Main Street",
    "Chester Road", "York Road", "Alexandra Road", "Richmond Road", "Stanley Road",
    "Mill Road", "West Street", "Highfield Road",
)  # fmt: skip

# --- Telephone numbers: only Ofcom's ranges reserved for drama (never assigned to anyone).
MOBILE_PREFIX = "07700 900"  # 07700 900000 to 07700 900999
LANDLINE_PREFIXES = (
    "0191 498 0",
    "0161 496 0",
    "0113 496 0",
    "0115 496 0",
    "0121 496 0",
    "01632 960",
    "020 7946 0",
    "0118 496 0",
    "0117 496 0",
)  # fmt: skip  (one per region, in REGIONS order)


def age_sex_probabilities() -> tuple[np.ndarray, np.ndarray]:
    """Joint (band, sex) probabilities, flattened band-major: [band0 male, band0 female, ...]."""
    counts = np.asarray(AGE_BAND_THOUSANDS, dtype=np.float64)
    female = np.asarray(FEMALE_SHARE)
    joint = np.stack([counts * (1 - female), counts * female], axis=1).ravel()
    return joint / joint.sum(), counts / counts.sum()
