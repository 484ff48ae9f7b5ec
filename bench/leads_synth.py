"""Realistic labelled supplier leads: a seeded generator for measuring duplicate resolution.

    python bench/leads_synth.py --leads 3000 [--difficulty realistic|easy] [--seed 1] > leads.csv

Every row is a lead in the CSV import format (``marketplace.domain.leads.LEAD_COLUMNS``, all
values text, as a supplier or a spreadsheet would send them) plus ``true_supplier``, the id of
the supplier that really sent it (the label; never read by a resolver). ``generate(n, difficulty,
seed)`` returns the rows in arrival order; the same arguments always give the same rows (one
``random.Random(seed)``, no set or dict iteration that depends on hashing).

Written by us, no network, no external data: the names, streets and numbers are invented from
small built-in vocabularies (phones valid in each country's numbering plan by ``phonenumbers``'
metadata; US ZIP codes real ones of the city, from the ``zipcodes`` package; other postal codes in
each country's own shape). What it models, from what PPE suppliers
sent cities in 2020 (issue 8, "Duplicate resolution on realistic leads"):

* near-name companies: English-language names are drawn from a few regional words x trade words
  x "supply"-like words with a skew, so that many different "Pacific Medical Supply"s exist in
  many cities and generic tokens (medical, supply, PPE, safety) are shared by thousands;
* a supplier sends 1..8 leads (a geometric-like mix, mean about 1.9), spread over the arrival
  order, with other contacts, other e-mail addresses and the name written differently each time
  (legal form added or dropped, "&"/"and", upper case, "Supply"/"Supplies", a typo);
* phones missing on ~30% of leads (some suppliers never give one), written national or
  international with any separators, a second (mobile) number for some suppliers;
* ~40% of leads without a website; storefront subdomains instead of an own domain for many
  sellers (``*.en.alibaba.com``, ``*.en.made-in-china.com``, ``*.myshopify.com``), with paths;
* shared free-mail: different sellers on gmail/yahoo/yahoo.com.mx/hotmail/163.com/yeah.net/qq.com/
  mail.ru/gmx.de..., and one seller using several free-mail addresses;
* second address lines (Suite, Unit, Floor, "Bldg"), street abbreviations either way;
* offices that moved: the same supplier with a new street, ZIP and often a new city and phone for
  the leads after the move;
* other scripts: Chinese suppliers written in Chinese characters, in pinyin English ("Shenzhen
  Anhua Medical Devices Co., Ltd.", "Anhua Medical Devices (Shenzhen) Co., Ltd.") or both on
  different leads; Russian suppliers in Cyrillic or transliterated;
* legal forms of many countries (Inc., LLC, Corp., Ltd, GmbH, GmbH & Co. KG, S.A. de C.V.,
  S. de R.L. de C.V., Co., Ltd., OOO/ООО, (Shenzhen));
* countries written as ISO codes, names or aliases ("UK", "United Kingdom", "Mexico", "México");
* per-pack prices ("12.50" with "box of 100" in the description; half of them with the pack size
  column filled in and the quantity in packs);
* spreadsheet damage: US ZIPs that lost their leading zero, ZIP+4, decimal commas in prices,
  typos in names and streets, letter case.

Two difficulties. "easy": fewer shared names (most are distinctive), 15% phones missing, 25% without
a website, no moves, no other scripts, light damage. "realistic": all of the above at the rates
given. Sizes are free (3k and 30k in ``bench/dedup_leads``).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass, field

import phonenumbers

# The CSV import format (marketplace.domain.leads.LEAD_COLUMNS), repeated here so that the
# generator imports nothing from the app; bench/dedup_leads asserts the two are the same.
LEAD_COLUMNS: tuple[str, ...] = (
    "external_id", "company_name", "contact_name", "email", "phone", "website", "street", "city",
    "state", "postal_code", "country", "supplier_type", "product_category", "product_description",
    "quantity", "unit_price", "min_order_qty", "lead_time_days", "certification", "payment_terms",
    "country_of_origin", "notes", "pack_size",
)
LABEL = "true_supplier"

DIFFICULTIES = ("easy", "realistic")


@dataclass(frozen=True)
class Rates:
    generic_name: float       # share of English-language names drawn from the shared vocabulary
    phone_missing: float      # leads without a phone (on top of suppliers that never give one)
    no_phone_supplier: float
    website_supplier: float   # suppliers with any website
    website_dropped: float    # leads of such a supplier that leave it out
    storefront: float         # websites that are a marketplace storefront, not an own domain
    freemail_supplier: float  # suppliers writing only from free-mail
    freemail_extra: float     # suppliers with an own domain who also write from free-mail
    moved: float              # suppliers whose office moves during the period
    second_line: float        # leads with a second address line
    other_script: float       # CN/RU leads written in their own script
    country_alias: float      # countries written as a name or alias, not an ISO code
    typo_name: float
    typo_street: float
    upper: float
    zip_damage: float         # US ZIPs with a leading zero that lose it
    decimal_comma: float      # prices written with a decimal comma (continental/Latin American leads)
    per_pack: float           # prices per box


RATES = {
    "easy": Rates(generic_name=0.25, phone_missing=0.12, no_phone_supplier=0.03, website_supplier=0.8,
                  website_dropped=0.08, storefront=0.1, freemail_supplier=0.1, freemail_extra=0.05,
                  moved=0.0, second_line=0.1, other_script=0.0, country_alias=0.0, typo_name=0.02,
                  typo_street=0.02, upper=0.03, zip_damage=0.0, decimal_comma=0.0, per_pack=0.05),
    "realistic": Rates(generic_name=0.6, phone_missing=0.2, no_phone_supplier=0.12, website_supplier=0.7,
                       website_dropped=0.14, storefront=0.3, freemail_supplier=0.25, freemail_extra=0.1,
                       moved=0.1, second_line=0.3, other_script=0.35, country_alias=0.35, typo_name=0.08,
                       typo_street=0.08, upper=0.08, zip_damage=0.5, decimal_comma=0.15, per_pack=0.1),
}

# --- Vocabularies ----------------------------------------------------------------------------

REGION_WORDS = ("Pacific", "Global", "United", "First", "Premier", "Atlantic", "Golden State", "American",
                "National", "Coastal", "Summit", "Metro", "Sierra", "Liberty", "Eagle", "Allied",
                "Superior", "Keystone", "Pioneer", "Lone Star", "Midwest", "Evergreen", "Harbor",
                "Continental", "Delta", "Apex", "Sunrise", "Patriot", "Blue Ridge", "Great Lakes")
TRADE_WORDS = ("Medical", "Health", "Safety", "PPE", "Surgical", "Healthcare", "Protective", "Hygiene",
               "Medical Products", "Safety Products")
SUPPLY_WORDS = ("Supply", "Supplies", "Solutions", "Distributors", "Products", "Group", "Partners",
                "Distribution", "Sourcing", "Trading")
SURNAMES = ("Garcia", "Smith", "Chen", "Patel", "Lopez", "Okafor", "Kim", "Nguyen", "Brown", "Haddad",
            "Rossi", "Miller", "Johnson", "Walker", "Reyes", "Cohen", "Murphy", "Silva", "Tanaka",
            "Hughes", "Foster", "Bennett", "Morales", "Price", "Sullivan", "Warren", "Grant", "Hayes",
            "Carver", "Whitman", "Delgado", "Sandoval", "Kowalski", "Novak", "Lindqvist", "Moreau")
GIVEN = ("Maria", "James", "Wei", "Priya", "Carlos", "Aisha", "John", "Linda", "Kenji", "Fatima", "David",
         "Olga", "Michael", "Sarah", "Robert", "Jennifer", "Ahmed", "Elena", "Thomas", "Grace", "Daniel",
         "Laura", "Kevin", "Nicole", "Brian", "Rachel", "Jose", "Ana", "Luis", "Sofia")
# (city, state, ZIP prefix, area code)
US_CITIES = (("Los Angeles", "CA", "900", "213"), ("Fresno", "CA", "937", "559"), ("San Diego", "CA", "921", "619"),
             ("Houston", "TX", "770", "713"), ("Dallas", "TX", "752", "214"), ("Chicago", "IL", "606", "312"),
             ("Boston", "MA", "021", "617"), ("Brookline", "MA", "024", "617"), ("Newark", "NJ", "071", "973"),
             ("Hartford", "CT", "061", "860"), ("Providence", "RI", "029", "401"), ("Portland", "ME", "041", "207"),
             ("Miami", "FL", "331", "305"), ("Seattle", "WA", "981", "206"), ("Denver", "CO", "802", "303"),
             ("Phoenix", "AZ", "850", "602"), ("New York", "NY", "100", "212"), ("Atlanta", "GA", "303", "404"),
             ("Portland", "OR", "972", "503"), ("Long Beach", "CA", "908", "562"))
US_STREETS = ("Main Street", "Harbor Boulevard", "Industrial Avenue", "Commerce Drive", "Alameda Street",
              "Airport Road", "Market Street", "Oak Avenue", "Park Place", "Washington Boulevard",
              "Center Court", "Lake Shore Drive", "Pine Street", "Mission Road", "Broadway",
              "Elm Street", "Maple Avenue", "Riverside Drive", "Sunset Boulevard", "Franklin Avenue")
SECOND_LINES = ("Suite {n}", "Ste {n}", "Unit {n}", "Floor {f}", "Bldg {b}", "# {n}", "Suite {n}B")

# Chinese: (city, characters, area code, postcode prefix); brand syllables with characters.
CN_CITIES = (("Shenzhen", "深圳", "755", "518"), ("Dongguan", "东莞", "769", "523"), ("Guangzhou", "广州", "20", "510"),
             ("Suzhou", "苏州", "512", "215"), ("Ningbo", "宁波", "574", "315"), ("Wuhan", "武汉", "27", "430"),
             ("Xiamen", "厦门", "592", "361"), ("Hangzhou", "杭州", "571", "310"))
CN_SYLLABLES = (("An", "安"), ("Hua", "华"), ("Ming", "明"), ("Da", "达"), ("Xin", "信"), ("Yong", "永"),
                ("Kang", "康"), ("Heng", "恒"), ("Rui", "瑞"), ("Feng", "丰"), ("Tian", "天"), ("Cheng", "成"),
                ("Jin", "金"), ("Long", "龙"), ("Hong", "宏"), ("Tai", "泰"), ("Sheng", "盛"), ("Bao", "宝"),
                ("Li", "利"), ("Jia", "佳"), ("Mei", "美"), ("Kai", "凯"), ("Xiang", "祥"), ("Fu", "福"))
CN_INDUSTRIES = (("Medical Devices", "医疗器械"), ("Protective Products", "防护用品"), ("Medical Technology", "医疗科技"),
                 ("Sanitary Materials", "卫生材料"), ("Technology", "科技"), ("Industrial", "实业"))
CN_STREETS = (("Keji Road", "科技路"), ("Gongye Road", "工业路"), ("Shennan Avenue", "深南大道"), ("Jianshe Road", "建设路"),
              ("Renmin Road", "人民路"), ("Zhongshan Road", "中山路"), ("Xinhua Street", "新华街"))
CN_GIVEN = (("Wei", "伟"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"), ("Yang", "洋"), ("Li", "丽"),
            ("Qiang", "强"), ("Jun", "军"), ("Fang", "芳"))
CN_FAMILY = (("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
             ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"))
# Russian: stems in Cyrillic with one common transliteration.
RU_STEMS = (("Медтехника", "Medtekhnika"), ("Медснаб", "Medsnab"), ("Фармзащита", "Farmzashchita"),
            ("Спецзащита", "Spetszashchita"), ("Здравмед", "Zdravmed"), ("Медпоставка", "Medpostavka"),
            ("Защитные Системы", "Zashchitnye Sistemy"), ("Медицинские Технологии", "Meditsinskie Tekhnologii"))
RU_WORDS = (("", ""), ("Вектор", "Vektor"), ("Альфа", "Alfa"), ("Гарант", "Garant"), ("Союз", "Soyuz"),
            ("Меридиан", "Meridian"), ("Арсенал", "Arsenal"), ("Север", "Sever"), ("Восток", "Vostok"),
            ("Профи", "Profi"), ("Стандарт", "Standart"), ("Феникс", "Feniks"), ("Атлант", "Atlant"))
RU_PLACES = (("Москва", "Moscow", "495", "1"), ("Санкт-Петербург", "Saint Petersburg", "812", "19"),
             ("Казань", "Kazan", "843", "420"))
RU_STREETS = (("ул. Ленина", "ul. Lenina"), ("Тверская ул.", "Tverskaya ul."), ("пр. Мира", "pr. Mira"),
              ("ул. Гагарина", "ul. Gagarina"))
RU_GIVEN = (("Иван", "Ivan"), ("Ольга", "Olga"), ("Сергей", "Sergei"), ("Анна", "Anna"), ("Дмитрий", "Dmitrii"),
            ("Елена", "Elena"), ("Алексей", "Aleksei"), ("Мария", "Mariia"), ("Андрей", "Andrei"), ("Наталья", "Natalia"))
RU_FAMILY = (("Петров", "Petrov"), ("Смирнов", "Smirnov"), ("Иванов", "Ivanov"), ("Кузнецов", "Kuznetsov"),
             ("Попов", "Popov"), ("Соколов", "Sokolov"), ("Лебедев", "Lebedev"), ("Козлов", "Kozlov"),
             ("Новиков", "Novikov"), ("Морозов", "Morozov"), ("Волков", "Volkov"), ("Павлов", "Pavlov"))
# Mexico: (city, state, postcode prefix, area code)
MX_CITIES = (("Ciudad de México", "CDMX", "06", "55"), ("Guadalajara", "JAL", "44", "33"), ("Monterrey", "NL", "64", "81"),
             ("Puebla", "PUE", "72", "222"), ("Tijuana", "BC", "22", "664"))
MX_TRADE = ("Distribuidora Médica", "Insumos Médicos", "Equipos de Protección", "Suministros Hospitalarios",
            "Comercializadora Médica")
MX_NAMES = ("Azteca", "del Norte", "del Pacífico", "Guadalupe", "San Ángel", "Reforma", "Sol", "Águila", "Jalisco",
            "Anáhuac", "Tláloc", "Bajío", "Hernández", "Ramírez", "Torres", "Vázquez", "Castillo", "Mendoza",
            "Orozco", "Salinas", "Cervantes", "Zaragoza", "Montes", "Fuentes", "Rivera", "Ibarra", "Esperanza",
            "Valle", "Sierra Madre", "Victoria", "Olmeca", "Maya")
MX_STREETS = ("Av. Juárez", "Calle Hidalgo", "Av. Reforma", "Calle Morelos", "Blvd. Díaz Ordaz", "Av. Insurgentes")
# Germany: (city, postcode range start, area code)
DE_CITIES = (("Hamburg", "20", "40"), ("München", "80", "89"), ("Berlin", "10", "30"), ("Köln", "50", "221"),
             ("Frankfurt am Main", "60", "69"))
DE_TRADE = ("Medizintechnik", "Arbeitsschutz", "Medizinbedarf", "Schutzausrüstung", "Hygienebedarf")
DE_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer",
            "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun",
            "Krüger", "Hartmann", "Lange", "Werner", "Krause")
DE_STREETS = ("Hauptstraße", "Industriestraße", "Bahnhofstraße", "Gewerbering", "Am Hafen", "Lindenallee")
# United Kingdom: (city, postcode districts, area code, local digits)
GB_CITIES = (("London", ("EC1A", "SE1", "E14", "N1", "W1D"), "20", 8), ("Manchester", ("M1", "M4", "M15"), "161", 7),
             ("Birmingham", ("B1", "B5", "B12"), "121", 7))
GB_STREETS = ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Road", "Mill Lane")

FREEMAIL = {
    "US": ("gmail.com", "yahoo.com", "aol.com", "hotmail.com", "outlook.com", "sbcglobal.net", "comcast.net"),
    "CN": ("163.com", "126.com", "qq.com", "yeah.net", "sina.com", "gmail.com", "hotmail.com"),
    "MX": ("yahoo.com.mx", "hotmail.com", "gmail.com", "prodigy.net.mx", "outlook.com"),
    "DE": ("gmx.de", "web.de", "t-online.de", "gmail.com"),
    "GB": ("gmail.com", "yahoo.co.uk", "btinternet.com", "hotmail.co.uk"),
    "RU": ("mail.ru", "yandex.ru", "gmail.com", "rambler.ru"),
}
STOREFRONTS = {"CN": ("{s}.en.alibaba.com", "{s}.en.made-in-china.com", "{s}.1688.com"),
               "US": ("{s}.myshopify.com",), "GB": ("{s}.myshopify.com",), "MX": ("{s}.myshopify.com",),
               "DE": ("{s}.myshopify.com",), "RU": ("{s}.en.alibaba.com",)}
STOREFRONT_PATHS = ("", "/", "/productlist.html", "/products", "/collections/all")
COUNTRY_WEIGHTS = (("US", 0.5), ("CN", 0.22), ("MX", 0.08), ("DE", 0.07), ("GB", 0.07), ("RU", 0.06))
COUNTRY_WRITTEN = {"US": ("USA", "United States", "U.S.", "us"), "CN": ("China", "PRC", "cn"),
                   "MX": ("Mexico", "México", "mx"), "DE": ("Germany", "Deutschland", "de"),
                   "GB": ("UK", "United Kingdom", "Great Britain", "England"), "RU": ("Russia", "Russian Federation")}
COUNTRY_CODES = {"US": "1", "CN": "86", "MX": "52", "DE": "49", "GB": "44", "RU": "7"}
LEGAL = {"US": ("", "Inc.", "Inc", "LLC", "L.L.C.", "Corp.", "Corporation", "Incorporated", "Co."),
         "GB": ("Ltd", "Ltd.", "Limited", "", "LLP"),
         "DE": ("GmbH", "GmbH & Co. KG", "AG", "e.K.", "UG (haftungsbeschränkt)"),
         "MX": ("S.A. de C.V.", "S. de R.L. de C.V.", "SA de CV", "S.A.P.I. de C.V.", "")}

# (category, unit price, description, pack size, certification) -- as demo_data, and per-pack forms.
PRODUCTS = (
    ("n95_respirator", 0.79, "NIOSH N95 respirator, cup style", 20, "NIOSH TC-84A-{n4}"),
    ("kn95_respirator", 0.95, "KN95 mask, 5-layer, ear loops", 50, "GB 2626-2019"),
    ("surgical_mask", 0.12, "Level 3 surgical mask, ear loop", 50, "ASTM F2100 Level 3"),
    ("nitrile_gloves", 0.035, "Nitrile exam gloves, powder-free", 100, "ASTM D6319"),
    ("isolation_gown", 1.20, "Isolation gown, AAMI level 2", 10, "AAMI PB70 Level 2"),
    ("face_shield", 0.90, "Full face shield, anti-fog", 24, ""),
    ("hand_sanitizer", 3.80, "Hand sanitizer gel 70% alcohol, 500 ml", 1, ""),
)
SUPPLIER_TYPES = ("manufacturer", "distributor", "broker", "other")


# --- Suppliers -------------------------------------------------------------------------------

@dataclass
class Address:
    street: str          # as the supplier writes it in its own script/language
    street_latin: str    # the same in Latin letters (CN/RU), else the same
    city: str
    city_native: str
    state: str
    postal: str
    area: str            # phone area code for this office


@dataclass
class Supplier:
    sid: str
    country: str
    name: str                        # the name in Latin letters, without legal form
    name_native: str | None = None   # Chinese/Cyrillic name (complete, with legal form)
    legal: str = ""
    names_cn_alt: str | None = None  # "Anhua Medical Devices (Shenzhen)" style
    addresses: list[Address] = field(default_factory=list)
    move_at: float = 2.0             # arrival fraction after which leads use addresses[1]
    phones: list[list[str]] = field(default_factory=list)   # per address: [main, mobile?] as digit strings
    emails: list[str] = field(default_factory=list)
    website: str | None = None
    contacts: list[tuple[str, str]] = field(default_factory=list)  # (as written, in Latin letters)
    kind: str = "distributor"
    gives_phone: bool = True


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


class _Unique:
    """Draws values until one is new (phones, domains, free-mail addresses never collide by accident)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def take(self, make) -> str:
        for _ in range(1000):
            value = make()
            if value not in self.seen:
                self.seen.add(value)
                return value
        raise RuntimeError("vocabulary exhausted")


def _skewed(rng: random.Random, items: tuple, power: float = 1.6):
    """A Zipf-like choice: the first items much more often than the last."""
    weights = [1.0 / (i + 1) ** power for i in range(len(items))]
    return rng.choices(items, weights)[0]


def _local_number(rng: random.Random, digits: int) -> str:
    return str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))


_US_ZIPS: dict[tuple[str, str], tuple[str, ...]] = {}


def us_zips(city: str, state: str, prefix: str) -> tuple[str, ...]:
    """The city's real street-address ZIP codes (the ``zipcodes`` package's offline data, which the
    intake checks a damaged ZIP against), else every ZIP of its 3-digit prefix."""
    if (city, state) not in _US_ZIPS:
        import zipcodes

        found = sorted(z["zip_code"] for z in zipcodes.filter_by(city=city, state=state)
                       if z.get("zip_code_type") == "STANDARD" and z["zip_code"].startswith(prefix))
        _US_ZIPS[(city, state)] = tuple(found) or tuple(f"{prefix}{n:02d}" for n in range(100))
    return _US_ZIPS[(city, state)]


def _address(rng: random.Random, country: str) -> Address:
    number = rng.randint(1, 9999)
    if country == "US":
        city, state, prefix, area = rng.choice(US_CITIES)
        street = f"{number} {rng.choice(US_STREETS)}"
        return Address(street, street, city, city, state, rng.choice(us_zips(city, state, prefix)), area)
    if country == "CN":
        city, city_cn, area, prefix = rng.choice(CN_CITIES)
        road, road_cn = rng.choice(CN_STREETS)
        n = rng.randint(1, 300)
        return Address(f"{road_cn}{n}号", f"{n} {road}", city, city_cn + "市", "", prefix + f"{rng.randint(0, 999):03d}", area)
    if country == "MX":
        city, state, prefix, area = rng.choice(MX_CITIES)
        street = f"{rng.choice(MX_STREETS)} {rng.randint(1, 2500)}"
        return Address(street, street, city, city, state, prefix + f"{rng.randint(0, 999):03d}", area)
    if country == "DE":
        city, prefix, area = rng.choice(DE_CITIES)
        street = f"{rng.choice(DE_STREETS)} {rng.randint(1, 180)}"
        return Address(street, street, city, city, "", prefix + f"{rng.randint(0, 999):03d}", area)
    if country == "GB":
        city, districts, area, _ = rng.choice(GB_CITIES)
        street = f"{rng.randint(1, 400)} {rng.choice(GB_STREETS)}"
        postal = f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return Address(street, street, city, city, "", postal, area)
    city_ru, city, area, prefix = rng.choice(RU_PLACES)
    street_ru, street_lat = rng.choice(RU_STREETS)
    n = rng.randint(1, 120)
    return Address(f"{street_ru}, д. {n}", f"{street_lat}, d. {n}", city, city_ru, "", prefix + "".join(
        str(rng.randint(0, 9)) for _ in range(6 - len(prefix))), area)


def _phone_digits(rng: random.Random, country: str, area: str, unique: _Unique) -> str:
    """The national significant number (no country code, no trunk prefix), valid in the country's
    numbering plan (``phonenumbers``' metadata), never one another supplier has."""
    for _ in range(200):
        digits = _draw_phone(rng, country, area, unique)
        if phonenumbers.is_valid_number(phonenumbers.parse("+" + COUNTRY_CODES[country] + digits)):
            return digits
    raise RuntimeError(f"no valid {country} number with area code {area}")


def _draw_phone(rng: random.Random, country: str, area: str, unique: _Unique) -> str:
    if country == "US":
        return unique.take(lambda: area + _local_number(rng, 7))
    if country == "CN":
        if rng.random() < 0.35:  # a mobile number
            return unique.take(lambda: rng.choice(("138", "139", "136", "186", "150")) + _local_number(rng, 8))
        return unique.take(lambda: area + _local_number(rng, 8))
    if country == "MX":
        return unique.take(lambda: area + _local_number(rng, 10 - len(area)))
    if country == "DE":
        return unique.take(lambda: area + _local_number(rng, 7))
    if country == "GB":
        digits = 8 if area == "20" else 7
        return unique.take(lambda: area + _local_number(rng, digits))
    return unique.take(lambda: area + _local_number(rng, 7))


def _english_name(rng: random.Random, rates: Rates) -> str:
    if rng.random() < rates.generic_name:
        trade = _skewed(rng, TRADE_WORDS, 1.2)
        supply = _skewed(rng, tuple(w for w in SUPPLY_WORDS if w not in trade), 1.2)
        return f"{_skewed(rng, REGION_WORDS)} {trade} {supply}"
    first = rng.choice(SURNAMES)
    style = rng.random()
    if style < 0.35:
        trade = rng.choice(TRADE_WORDS)
        return f"{first} {trade} {rng.choice(tuple(w for w in SUPPLY_WORDS if w not in trade))}"
    if style < 0.6:
        return f"{first} & {rng.choice(SURNAMES)} {rng.choice(SUPPLY_WORDS)}"
    if style < 0.8:
        return f"{rng.choice(REGION_WORDS)} {first} {rng.choice(TRADE_WORDS)}"
    return f"{first}{rng.choice(('Med', 'Care', 'Guard', 'Shield', 'Pro'))} {rng.choice(SUPPLY_WORDS)}"


def _make_supplier(rng: random.Random, index: int, rates: Rates, phones: _Unique, domains: _Unique,
                   mailboxes: _Unique) -> Supplier:
    country = rng.choices([c for c, _ in COUNTRY_WEIGHTS], [w for _, w in COUNTRY_WEIGHTS])[0]
    s = Supplier(sid=f"S{index:06d}", country=country, name="")
    first_address = _address(rng, country)
    if country == "CN":
        brand = [rng.choice(CN_SYLLABLES) for _ in range(2)]
        industry, industry_cn = rng.choice(CN_INDUSTRIES)
        city_cn = first_address.city_native
        brand_latin = brand[0][0] + brand[1][0].lower()
        s.name = f"{first_address.city} {brand_latin} {industry}"
        s.names_cn_alt = f"{brand_latin} {industry} ({first_address.city})"
        s.name_native = f"{city_cn}{brand[0][1]}{brand[1][1]}{industry_cn}有限公司"
        s.legal = rng.choice(("Co., Ltd.", "Co., Ltd", "Co. Ltd.", "Company Limited", "Co.,Ltd"))
        family, given = rng.choice(CN_FAMILY), rng.choice(CN_GIVEN)
        s.contacts = [(family[1] + given[1], f"{family[0]} {given[0]}")]
        if rng.random() < 0.4:
            s.contacts.append(("", rng.choice(("Sales Manager", "Cathy", "Jack", "Tony", "Lily", "Kevin"))))
        slug = _slug(brand_latin)
    elif country == "RU":
        stem, stem_latin = rng.choice(RU_STEMS)
        tail = rng.choice(("", "-М", "-Плюс", " Групп"))
        tail_latin = {"": "", "-М": "-M", "-Плюс": "-Plyus", " Групп": " Grupp"}[tail]
        word, word_latin = rng.choice(RU_WORDS)
        s.name = (word_latin + " " if word else "") + stem_latin + tail_latin
        s.name_native = f"ООО «{word + ' ' if word else ''}{stem}{tail}»"
        s.legal = rng.choice(("LLC", "OOO", "Ltd"))
        (given, given_latin), (family, family_latin) = rng.choice(RU_GIVEN), rng.choice(RU_FAMILY)
        female = given_latin[-1] == "a"   # Russian surnames agree with the person: Petrov, Petrova
        s.contacts = [(f"{given} {family}{'а' if female else ''}", f"{given_latin} {family_latin}{'a' if female else ''}")]
        slug = _slug(s.name)
    elif country == "MX":
        s.name = f"{rng.choice(MX_TRADE)} {rng.choice(MX_NAMES)}"
        s.legal = rng.choice(LEGAL["MX"])
        s.contacts = [(f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}",) * 2]
        slug = _slug(s.name.split()[-1]) + rng.choice(("med", "medica", "mx", ""))
    elif country == "DE":
        s.name = rng.choice((f"{rng.choice(DE_NAMES)} {rng.choice(DE_TRADE)}",
                             f"{rng.choice(DE_TRADE)} {rng.choice(DE_NAMES)}"))
        s.legal = rng.choice(LEGAL["DE"])
        s.contacts = [(f"{rng.choice(GIVEN)} {rng.choice(DE_NAMES)}",) * 2]
        slug = _slug(s.name)
    else:
        s.name = _english_name(rng, rates)
        s.legal = rng.choice(LEGAL[country])
        s.contacts = [(f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}",) * 2 for _ in range(rng.choice((1, 1, 2, 3)))]
        slug = _slug(s.name)
    s.kind = rng.choice(SUPPLIER_TYPES)
    s.addresses = [first_address]
    if rng.random() < rates.moved:
        moved = _address(rng, country)
        if rng.random() < 0.5:  # moved within the same city: new street and ZIP only
            moved.city, moved.city_native, moved.state, moved.area = (first_address.city, first_address.city_native,
                                                                      first_address.state, first_address.area)
            if country == "US":
                prefix = next(p for c, st, p, _ in US_CITIES if c == first_address.city and st == first_address.state)
                moved.postal = rng.choice(us_zips(first_address.city, first_address.state, prefix))
        s.addresses.append(moved)
        s.move_at = rng.uniform(0.2, 0.8)
    s.gives_phone = rng.random() >= rates.no_phone_supplier
    for n, address in enumerate(s.addresses):
        if n and s.phones and rng.random() < 0.5:
            s.phones.append(s.phones[0])  # kept the number after the move
            continue
        numbers = [_phone_digits(rng, country, address.area, phones)]
        if rng.random() < 0.2:
            numbers.append(_phone_digits(rng, country, address.area, phones))
        s.phones.append(numbers)
    # Web presence: an own domain, a storefront on a platform, or nothing.
    own_domain = None
    if rng.random() < rates.website_supplier:
        if rng.random() < rates.storefront:
            template = rng.choice(STOREFRONTS[country])
            s.website = domains.take(lambda: template.format(s=slug[:14] + rng.choice(("", str(rng.randint(1, 999)), "med", "ppe"))))
        else:
            tld = {"US": ".com", "CN": rng.choice((".com", ".cn", ".com.cn")), "MX": rng.choice((".com.mx", ".mx", ".com")),
                   "DE": ".de", "GB": rng.choice((".co.uk", ".com")), "RU": ".ru"}[country]
            own_domain = domains.take(lambda: (slug[:18] + rng.choice(("", "", "-" + _slug(first_address.city)[:6],
                                                                       str(rng.randint(1, 999)), "med", "-ppe")) + tld))
            s.website = own_domain
    elif rng.random() < 0.3:  # a mail domain without a website
        own_domain = domains.take(lambda: slug[:16] + rng.choice(("", "-co", str(rng.randint(1, 99)))) + ".com")
    latin_contacts = [latin for _, latin in s.contacts]
    if own_domain and rng.random() >= rates.freemail_supplier:
        for latin in latin_contacts:
            first, *rest = (latin.lower().split() or ["sales"])
            s.emails.append(f"{first}.{rest[-1] if rest else 'sales'}@{own_domain}" if rng.random() < 0.6
                            else f"{first}@{own_domain}")
        s.emails.append(f"{rng.choice(('sales', 'info', 'orders', 'contact'))}@{own_domain}")
        if rng.random() < rates.freemail_extra:
            s.emails.append(_freemail(rng, country, slug, mailboxes))
    else:   # writes from free-mail only: one to three mailboxes, maybe on different providers
        for _ in range(rng.choice((1, 1, 2, 3))):
            s.emails.append(_freemail(rng, country, slug, mailboxes))
    return s


def _freemail(rng: random.Random, country: str, slug: str, mailboxes: _Unique) -> str:
    provider = rng.choice(FREEMAIL[country])
    return mailboxes.take(lambda: rng.choice((slug[:12], slug[:8] + "_sales", slug[:6] + "ppe", "sales." + slug[:10],
                                              slug[:10] + str(rng.randint(1, 2020)))) + "@" + provider)


# --- Leads -----------------------------------------------------------------------------------

def _typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.random()
    if kind < 0.35:    # swap with the next character
        return text[:i] + text[i + 1] + text[i] + text[i + 2:] if i + 1 < len(text) else text
    if kind < 0.65:    # a letter dropped
        return text[:i] + text[i + 1:]
    if kind < 0.85:    # a neighbouring key
        return text[:i] + rng.choice("aeiourstnl") + text[i + 1:]
    return text[:i] + text[i] + text[i:]   # a letter doubled


def _written_phone(rng: random.Random, country: str, area: str, digits: str) -> str:
    code = COUNTRY_CODES[country]
    international = rng.random() < 0.5
    if country == "US":
        a, b, c = digits[:3], digits[3:6], digits[6:]
        if international:
            return rng.choice((f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}", f"1-{a}-{b}-{c}"))
        return rng.choice((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}", f"{a} {b} {c}"))
    mobile = country == "CN" and digits[:1] == "1"
    head, tail = (digits[:3], digits[3:]) if mobile or not digits.startswith(area) else (area, digits[len(area):])
    middle = len(tail) // 2
    spaced = f"{tail[:middle]} {tail[middle:]}"
    if international:
        return rng.choice((f"+{code} {head} {spaced}", f"+{code}-{head}-{tail}",
                           f"00{code} {head} {tail}" if country != "RU" else f"8 10 7 {head} {tail}",
                           f"+{code} ({head}) {spaced}"))
    trunk = {"MX": "", "RU": "8 "}.get(country, "0")
    if mobile:
        trunk = ""
    return rng.choice((f"{trunk}{head} {spaced}", f"{trunk}{head}-{tail}", f"({trunk.strip()}{head}) {spaced}"))


def _company_written(rng: random.Random, s: Supplier, rates: Rates, native: bool) -> str:
    if native and s.name_native:
        return s.name_native
    name = s.name
    if s.names_cn_alt and rng.random() < 0.35:
        name = s.names_cn_alt
    if rng.random() < 0.15:
        name = name.replace(" & ", " and ") if " & " in name else name.replace(" and ", " & ")
    if rng.random() < 0.06 and name.endswith("Supply"):
        name = name[:-6] + "Supplies"
    legal = s.legal if rng.random() < 0.75 else rng.choice(LEGAL.get(s.country, ("", "Co., Ltd.")))
    written = f"{name}, {legal}" if legal and rng.random() < 0.4 and s.country == "US" else \
        (f"{name} {legal}" if legal else name)
    if rng.random() < rates.typo_name:
        written = _typo(rng, written)
    if rng.random() < rates.upper:
        written = written.upper()
    elif rng.random() < rates.upper / 2:
        written = written.lower()
    return written.strip()


def _street_written(rng: random.Random, address: Address, rates: Rates, native: bool) -> str:
    street = address.street if native else address.street_latin
    if not native and rng.random() < 0.4:
        for long, short in (("Street", "St"), ("Avenue", "Ave"), ("Boulevard", "Blvd"), ("Road", "Rd"),
                            ("Drive", "Dr"), ("Court", "Ct"), ("Place", "Pl"), ("straße", "str.")):
            street = street.replace(long, short + rng.choice(("", ".")))
    if rng.random() < rates.second_line:
        line = rng.choice(SECOND_LINES).format(n=rng.randint(1, 900), f=rng.randint(1, 30), b=rng.choice("ABCDE"))
        street = f"{street}{rng.choice((', ', ' '))}{line}"
    if rng.random() < rates.typo_street:
        street = _typo(rng, street)
    if rng.random() < rates.upper:
        street = street.upper()
    return street


def _country_written(rng: random.Random, country: str, rates: Rates) -> str:
    if rng.random() < rates.country_alias:
        return rng.choice(COUNTRY_WRITTEN[country])
    return country


def _postal_written(rng: random.Random, country: str, postal: str, rates: Rates) -> str:
    if rng.random() < 0.08:
        return ""
    if country == "US":
        if postal.startswith("0") and rng.random() < rates.zip_damage:
            return postal.lstrip("0")
        if rng.random() < 0.1:
            return f"{postal}-{rng.randint(0, 9999):04d}"
    return postal


def _price_fields(rng: random.Random, s: Supplier, rates: Rates) -> dict[str, str]:
    category, price, description, pack, certification = rng.choice(PRODUCTS)
    unit = price * rng.uniform(0.8, 1.6) if s.kind != "broker" else price * rng.uniform(1.5, 6.0)
    quantity = rng.choice((10_000, 20_000, 50_000, 100_000, 250_000, 1_000_000))
    notes, pack_size = "", ""
    if pack > 1 and rng.random() < rates.per_pack:
        text_price = f"{unit * pack:.2f}"
        description = f"{description} - box of {pack} (price per box)"
        notes = f"price is per box of {pack}"
        if rng.random() < 0.5:   # the pack size column filled in; otherwise only the text says so
            pack_size, quantity = str(pack), max(1, quantity // pack)
    else:
        text_price = f"{unit:.4f}".rstrip("0").rstrip(".") if unit < 0.1 else f"{unit:.2f}"
    if s.country in ("DE", "MX", "RU") and rng.random() < rates.decimal_comma:
        text_price = text_price.replace(".", ",")
    return {"product_category": category, "product_description": description, "unit_price": text_price,
            "quantity": str(quantity), "lead_time_days": str(rng.choice((0, 3, 7, 14, 30))),
            "certification": certification.format(n4=f"{rng.randint(1, 9999):04d}"),
            "payment_terms": rng.choice(("Net 30", "50% deposit", "100% upfront", "Letter of credit")),
            "country_of_origin": rng.choice((s.country, "CN", "MY", "US")), "notes": notes,
            "supplier_type": s.kind, "min_order_qty": "", "pack_size": pack_size}


def _lead(rng: random.Random, s: Supplier, when: float, rates: Rates, number: int) -> dict[str, str]:
    address = s.addresses[1] if len(s.addresses) > 1 and when >= s.move_at else s.addresses[0]
    phones = s.phones[s.addresses.index(address)]
    native = s.name_native is not None and rng.random() < rates.other_script
    contact_written, contact_latin = rng.choice(s.contacts)
    contact = contact_written if native and contact_written else contact_latin
    phone = ""
    if s.gives_phone and rng.random() >= rates.phone_missing:
        phone = _written_phone(rng, s.country, address.area, phones[0] if len(phones) == 1 or rng.random() < 0.7 else phones[1])
    website = ""
    if s.website and rng.random() >= rates.website_dropped:
        website = s.website
        if ".myshopify." in website or ".alibaba." in website or "made-in-china" in website or ".1688." in website:
            website = rng.choice(("https://", "http://", "")) + website + rng.choice(STOREFRONT_PATHS)
        else:
            website = rng.choice(("https://www.", "http://", "www.", "", "https://")) + website
    row = {
        "external_id": f"L{number:07d}", "company_name": _company_written(rng, s, rates, native),
        "contact_name": contact, "email": rng.choice(s.emails), "phone": phone, "website": website,
        "street": _street_written(rng, address, rates, native),
        "city": address.city_native if native and rng.random() < 0.5 else address.city,
        "state": address.state, "postal_code": _postal_written(rng, s.country, address.postal, rates),
        "country": _country_written(rng, s.country, rates),
    }
    if rng.random() < 0.1 and "@" in row["email"]:  # the same mailbox typed in capitals
        local, domain = row["email"].split("@")
        row["email"] = local.capitalize() + "@" + domain.upper()
    row.update(_price_fields(rng, s, rates))
    row[LABEL] = s.sid
    return {name: row.get(name, "") for name in (*LEAD_COLUMNS, LABEL)}


def generate(n: int, difficulty: str = "realistic", seed: int = 1) -> list[dict[str, str]]:
    """``n`` leads in arrival order, each a dict of the CSV columns (text) plus ``true_supplier``.

    Raises ValueError for an unknown difficulty. Deterministic for (n, difficulty, seed)."""
    if difficulty not in RATES:
        raise ValueError(f"difficulty must be one of {DIFFICULTIES}")
    rates = RATES[difficulty]
    rng = random.Random(f"{difficulty}:{seed}:{n}")
    phones, domains, mailboxes = _Unique(), _Unique(), _Unique()
    events: list[tuple[float, int, Supplier]] = []
    index = 0
    while len(events) < n:
        s = _make_supplier(rng, index, rates, phones, domains, mailboxes)
        count = min(8, 1 + int(rng.expovariate(1 / 1.3)))
        events.extend((rng.random(), len(events) + k, s) for k in range(count))
        index += 1
    events = sorted(events[:n], key=lambda e: (e[0], e[1]))
    return [_lead(rng, s, when, rates, number) for number, (when, _, s) in enumerate(events, 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--difficulty", choices=DIFFICULTIES, default="realistic")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    writer = csv.DictWriter(sys.stdout, fieldnames=(*LEAD_COLUMNS, LABEL))
    writer.writeheader()
    writer.writerows(generate(args.leads, args.difficulty, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
