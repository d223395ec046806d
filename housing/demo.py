"""Demo data for a fictional city, loaded idempotently by ``flask demo load``.

Dates are set relative to the moment of loading, so that the open, upcoming and closed
listings stay so; loading again refreshes those dates and adds nothing twice.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from housing.db_types import AnySession
from housing.demo_files import pdf_document, png_picture
from housing.demo_listing_texts import SHARED_ENGLISH, listing_texts
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.eligibility import SeniorRule, UnitType
from housing.listings.management import source_digest
from housing.listings.models import (
    TRANSLATABLE_FIELDS,
    AccessibilityPriority,
    DocumentKind,
    EventKind,
    Listing,
    ListingDocument,
    ListingEvent,
    ListingStatus,
    ReservedCommunity,
    Tenure,
    Unit,
    document_text_key,
    event_text_key,
)
from housing.listings.preferences import ListingPreference, Preference
from housing.storage import Storage

CITY = "Port Alder"
TIMEZONE = "America/Los_Angeles"
CHART_NAME = "Port Alder Area Median Income"
CHART_YEAR = 2026

# Annual limits by AMI percentage for households of 1 to 8 people. The 100% row follows HUD's
# household-size factors (70%, 80%, 90%, 100%, 108%, 116%, 124%, 132% of the four-person
# figure), rounded to the nearest $50; the other rows are that row scaled and rounded the same way.
AMI_LIMITS: dict[int, tuple[int, ...]] = {
    30: (22600, 25850, 29100, 32300, 34900, 37500, 40050, 42650),
    50: (37700, 43100, 48500, 53850, 58150, 62500, 66800, 71100),
    55: (41450, 47400, 53300, 59250, 63950, 68700, 73450, 78200),
    60: (45250, 51700, 58150, 64600, 69800, 74950, 80150, 85300),
    80: (60300, 68900, 77550, 86150, 93050, 99950, 106850, 113700),
    90: (67850, 77550, 87250, 96950, 104650, 112450, 120200, 127950),
    100: (75400, 86150, 96950, 107700, 116300, 124950, 133550, 142150),
    110: (82950, 94750, 106650, 118450, 127950, 137450, 146900, 156350),
    120: (90500, 103400, 116350, 129250, 139550, 149950, 160250, 170600),
}

PREFERENCES: list[dict[str, Any]] = [
    {
        "code": "COP",
        "name": "Certificate of Preference",
        "description": "For households displaced by the city's redevelopment programs who hold a Certificate of Preference.",
        "proof_types": ["Certificate of Preference"],
        "translations": {
            "es": {
                "name": "Certificado de Preferencia",
                "description": "Para hogares desplazados por los programas de reurbanización de la ciudad que tienen un Certificado de Preferencia.",
            },
            "zh_Hant": {
                "name": "優先權證書",
                "description": "適用於因本市重建計劃而被迫遷離、並持有優先權證書的家庭。",
            },
            "fil": {
                "name": "Sertipiko ng Preperensiya",
                "description": "Para sa mga sambahayang napaalis dahil sa mga programa ng muling pagpapaunlad ng lungsod at may hawak na Sertipiko ng Preperensiya.",
            },
            "vi": {
                "name": "Giấy Chứng nhận Ưu tiên",
                "description": "Dành cho các hộ gia đình bị di dời do các chương trình tái phát triển của thành phố và có Giấy Chứng nhận Ưu tiên.",
            },
            "ar": {
                "name": "شهادة الأفضلية",
                "description": "للأسر التي نزحت بسبب برامج إعادة التطوير في المدينة وتحمل شهادة أفضلية.",
            },
        },
    },
    {
        "code": "DTHP",
        "name": "Displaced Tenant Housing Preference",
        "description": "For tenants evicted through a no-fault eviction or displaced by a fire in the city.",
        "proof_types": ["Displaced Tenant Certificate"],
        "translations": {
            "es": {
                "name": "Preferencia de Vivienda para Inquilinos Desplazados",
                "description": "Para inquilinos desalojados sin culpa propia o desplazados por un incendio en la ciudad.",
            },
            "zh_Hant": {
                "name": "被迫遷租戶住房優先權",
                "description": "適用於在本市遭無過失驅逐或因火災而被迫遷離的租戶。",
            },
            "fil": {
                "name": "Preperensiya sa Pabahay para sa mga Napaalis na Nangungupahan",
                "description": "Para sa mga nangungupahang pinaalis nang walang kasalanan o napaalis dahil sa sunog sa lungsod.",
            },
            "vi": {
                "name": "Ưu tiên Nhà ở cho Người thuê bị Di dời",
                "description": "Dành cho người thuê nhà bị đuổi không do lỗi của mình hoặc bị di dời do hỏa hoạn trong thành phố.",
            },
            "ar": {
                "name": "أفضلية السكن للمستأجرين النازحين",
                "description": "للمستأجرين الذين أُخلوا دون خطأ منهم أو نزحوا بسبب حريق في المدينة.",
            },
        },
    },
    {
        "code": "NRHP",
        "name": "Neighborhood Resident Housing Preference",
        "description": "For households living in the same supervisorial district as the building, or within half a mile of it.",
        "proof_types": ["Utility bill", "Lease", "Pay stub with home address"],
        "translations": {
            "es": {
                "name": "Preferencia de Vivienda para Residentes del Vecindario",
                "description": "Para hogares que viven en el mismo distrito que el edificio o a menos de media milla de él.",
            },
            "zh_Hant": {
                "name": "鄰里居民住房優先權",
                "description": "適用於居住在與該建築同一選區內、或距離該建築半英里以內的家庭。",
            },
            "fil": {
                "name": "Preperensiya sa Pabahay para sa mga Residente ng Kapitbahayan",
                "description": "Para sa mga sambahayang nakatira sa parehong distrito ng gusali, o sa loob ng kalahating milya mula rito.",
            },
            "vi": {
                "name": "Ưu tiên Nhà ở cho Cư dân Khu phố",
                "description": "Dành cho các hộ gia đình sống cùng quận với tòa nhà, hoặc trong vòng nửa dặm quanh tòa nhà.",
            },
            "ar": {
                "name": "أفضلية السكن لسكان الحي",
                "description": "للأسر التي تسكن في نفس دائرة المبنى أو على بعد نصف ميل منه.",
            },
        },
    },
    {
        "code": "LW",
        "name": "Live or Work in Port Alder",
        "description": "For households in which at least one member lives or works in Port Alder.",
        "proof_types": ["Utility bill", "Lease", "Pay stub", "Letter from employer"],
        "translations": {
            "es": {
                "name": "Vivir o trabajar en Port Alder",
                "description": "Para hogares en los que al menos un miembro vive o trabaja en Port Alder.",
            },
            "zh_Hant": {
                "name": "在 Port Alder 居住或工作",
                "description": "適用於至少有一名成員在 Port Alder 居住或工作的家庭。",
            },
            "fil": {
                "name": "Nakatira o Nagtatrabaho sa Port Alder",
                "description": "Para sa mga sambahayang may kahit isang miyembrong nakatira o nagtatrabaho sa Port Alder.",
            },
            "vi": {
                "name": "Sống hoặc làm việc tại Port Alder",
                "description": "Dành cho các hộ gia đình có ít nhất một thành viên sống hoặc làm việc tại Port Alder.",
            },
            "ar": {
                "name": "السكن أو العمل في بورت ألدر",
                "description": "للأسر التي يسكن أو يعمل فيها فرد واحد على الأقل في بورت ألدر.",
            },
        },
    },
]


@dataclass
class DemoUnit:
    unit_type: UnitType
    count: int
    ami_percent: int
    rent: str | None = None
    rent_percent: str | None = None
    multiple: str | None = "2.5"
    price: str | None = None
    hoa: str | None = None
    accessibility: AccessibilityPriority | None = None
    square_feet: int | None = None
    # A home for sale's income floor: a yearly amount or an AMI percentage.
    minimum_income: str | None = None
    minimum_ami: int | None = None


@dataclass
class DemoListing:
    name: str
    street_address: str
    neighborhood: str
    developer: str
    tenure: Tenure
    opens_in_days: int
    due_in_days: int
    units: list[DemoUnit]
    description: str
    status: ListingStatus = ListingStatus.OPEN
    reserved: ReservedCommunity | None = None
    senior_age: int | None = None
    senior_rule: SeniorRule | None = None
    preferences: list[tuple[str, int | None]] = field(default_factory=list)
    agent: tuple[str, str, str] = (
        "Dana Whitfield",
        "leasing@harborflats.example",
        "(555) 010-2040",
    )
    colours: tuple[tuple[int, int, int], tuple[int, int, int]] = ((150, 190, 230), (170, 90, 70))
    extra: dict[str, str] = field(default_factory=dict)


SF_STYLE_PREFERENCES = [("COP", 100), ("DTHP", 20), ("NRHP", 40), ("LW", None)]

LISTINGS = [
    DemoListing(
        name="Harbor Flats Commons",
        street_address="1200 Wharf Street",
        neighborhood="Harbor Flats",
        developer="Tidewater Community Housing",
        tenure=Tenure.RENTAL,
        opens_in_days=-14,
        due_in_days=12,
        units=[
            DemoUnit(UnitType.STUDIO, 8, 50, rent="1212", square_feet=420),
            DemoUnit(UnitType.ONE_BEDROOM, 12, 55, rent="1350", square_feet=560),
            DemoUnit(UnitType.ONE_BEDROOM, 6, 80, rent="2102", square_feet=600),
            DemoUnit(
                UnitType.TWO_BEDROOM,
                10,
                60,
                rent="1580",
                accessibility=AccessibilityPriority.MOBILITY,
                square_feet=820,
            ),
            DemoUnit(UnitType.THREE_BEDROOM, 4, 30, rent="760", multiple="2", square_feet=1040),
        ],
        description=(
            "Forty new apartments on the waterfront, two blocks from the ferry terminal.\n\n"
            "Each home has a full kitchen, in-unit laundry hookups and large windows."
        ),
        preferences=SF_STYLE_PREFERENCES,
        extra={
            "amenities": "Community room, rooftop garden, bike storage, on-site laundry.",
            "credit_rules": "No minimum credit score. Medical and student debt are not considered.",
            "eviction_rules": "No eviction judgments in the last 5 years.",
            "criminal_history_rules": "Reviewed case by case under the city's fair chance ordinance.",
            "required_documents": "Photo ID, the last 3 months of pay stubs, last year's tax return.",
            "pets_policy": "Cats and dogs under 40 pounds allowed. No pet rent.",
            "parking": "Limited parking at $95 a month, by separate lottery.",
            "deposit": "One month's rent.",
            "office_hours": "Monday to Friday, 9 am to 5 pm",
        },
    ),
    DemoListing(
        name="Cedar Hill Senior Residences",
        street_address="45 Cedar Hill Road",
        neighborhood="Cedar Hill",
        developer="Golden Years Housing Partners",
        tenure=Tenure.RENTAL,
        opens_in_days=-7,
        due_in_days=20,
        units=[
            DemoUnit(UnitType.STUDIO, 20, 50, rent_percent="30", multiple=None, square_feet=450),
            DemoUnit(
                UnitType.ONE_BEDROOM,
                15,
                60,
                rent="1450",
                multiple="2",
                accessibility=AccessibilityPriority.MOBILITY_AND_HEARING_VISION,
            ),
        ],
        description="Quiet senior apartments near Cedar Hill Park, with a resident services coordinator on site.",
        reserved=ReservedCommunity.SENIOR,
        senior_age=62,
        senior_rule=SeniorRule.ONE_MEMBER,
        preferences=[("NRHP", 40), ("LW", None)],
        agent=("Marisol Ortega", "apply@cedarhillseniors.example", "(555) 010-3311"),
        colours=((200, 215, 235), (120, 140, 90)),
        extra={
            "office_hours": "Tuesday and Thursday, 10 am to 3 pm",
            "amenities": "Elevator, library, community kitchen.",
        },
    ),
    DemoListing(
        name="Eastgate Family Apartments",
        street_address="780 Eastgate Avenue",
        neighborhood="Eastgate",
        developer="Eastgate Housing Collaborative",
        tenure=Tenure.RENTAL,
        status=ListingStatus.APPROVED,
        opens_in_days=5,
        due_in_days=35,
        units=[
            DemoUnit(
                UnitType.TWO_BEDROOM,
                14,
                60,
                rent="1640",
                accessibility=AccessibilityPriority.HEARING,
            ),
            DemoUnit(
                UnitType.THREE_BEDROOM,
                10,
                80,
                rent="2290",
                accessibility=AccessibilityPriority.MOBILITY,
            ),
            DemoUnit(UnitType.FOUR_BEDROOM, 4, 80, rent="2510"),
        ],
        description="Family-sized homes next to Eastgate Elementary, with a playground and after-school room.",
        preferences=[("DTHP", 20), ("NRHP", 40), ("LW", None)],
        agent=("Kwame Asante", "homes@eastgatefamily.example", "(555) 010-7788"),
        colours=((170, 205, 225), (90, 110, 150)),
    ),
    DemoListing(
        name="Northpoint Townhomes",
        street_address="3 Northpoint Lane",
        neighborhood="Northpoint",
        developer="Northpoint Homeownership Trust",
        tenure=Tenure.SALE,
        opens_in_days=-3,
        due_in_days=25,
        units=[
            DemoUnit(
                UnitType.TWO_BEDROOM,
                6,
                100,
                multiple=None,
                price="312500",
                hoa="285",
                minimum_ami=60,
            ),
            DemoUnit(
                UnitType.THREE_BEDROOM,
                4,
                120,
                multiple=None,
                price="398000",
                hoa="310",
                minimum_ami=80,
            ),
        ],
        description="Below-market townhomes for first-time buyers. Resale prices are limited to keep them affordable.",
        preferences=[("COP", 100), ("LW", None)],
        agent=("Linh Tran", "sales@northpointhomes.example", "(555) 010-4455"),
        colours=((215, 225, 240), (140, 100, 80)),
        extra={
            "required_documents": "Lender pre-approval letter and a first-time homebuyer education certificate."
        },
    ),
    DemoListing(
        name="Old Town Lofts",
        street_address="220 Market Row",
        neighborhood="Old Town",
        developer="Old Town Revitalization Partners",
        tenure=Tenure.RENTAL,
        status=ListingStatus.CLOSED,
        opens_in_days=-45,
        due_in_days=-10,
        units=[
            DemoUnit(UnitType.STUDIO, 5, 110, rent="2310"),
            DemoUnit(UnitType.ONE_BEDROOM, 5, 120, rent="2690"),
        ],
        description="Converted warehouse lofts above the Old Town market hall.",
        preferences=[("NRHP", 40), ("LW", None)],
        agent=("Priya Raman", "lofts@oldtown.example", "(555) 010-9021"),
        colours=((190, 200, 210), (150, 70, 60)),
    ),
    DemoListing(
        name="Mission Terrace Veterans Housing",
        street_address="610 Terrace Boulevard",
        neighborhood="Mission Terrace",
        developer="Veterans Homes Alliance",
        tenure=Tenure.RENTAL,
        opens_in_days=-2,
        due_in_days=3,
        units=[
            DemoUnit(UnitType.SRO, 12, 30, rent="640", multiple="2"),
            DemoUnit(UnitType.STUDIO, 8, 30, rent="705", multiple="2"),
        ],
        description="Supportive housing for veterans, with case management from the Veterans Homes Alliance.",
        reserved=ReservedCommunity.VETERAN,
        agent=("Samuel Reyes", "intake@vethomes.example", "(555) 010-6012"),
        colours=((160, 185, 215), (95, 95, 95)),
    ),
    DemoListing(
        name="Bayside Condominiums",
        street_address="88 Bayside Drive",
        neighborhood="Harbor Flats",
        developer="Bayside Affordable Ownership",
        tenure=Tenure.SALE,
        status=ListingStatus.APPROVED,
        opens_in_days=9,
        due_in_days=40,
        units=[
            DemoUnit(
                UnitType.ONE_BEDROOM,
                3,
                80,
                multiple=None,
                price="189000",
                hoa="240",
                minimum_income="45000",
            ),
            DemoUnit(
                UnitType.TWO_BEDROOM,
                3,
                80,
                multiple=None,
                price="226000",
                hoa="265",
                minimum_income="52000",
            ),
        ],
        description="Condominiums with bay views, sold below market to moderate-income buyers.",
        preferences=[("LW", None)],
        agent=("Grace Liu", "condos@bayside.example", "(555) 010-5150"),
        colours=((140, 185, 225), (200, 200, 190)),
    ),
]


def _local_deadline(now: datetime, days: int, hour: int) -> datetime:
    zone = ZoneInfo(TIMEZONE)
    local = (now.astimezone(zone) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return local


def load_demo(session: AnySession, storage: Storage, now: datetime) -> dict[str, int]:
    """Create what is missing and refresh demo dates; returns how many rows were added."""
    added = {"charts": 0, "preferences": 0, "listings": 0}
    chart = session.scalar(
        select(AmiChart).where(AmiChart.name == CHART_NAME, AmiChart.year == CHART_YEAR)
    )
    if chart is None:
        chart = AmiChart(name=CHART_NAME, chart_type="HUD Unadjusted", year=CHART_YEAR, version=1)
        for percent, incomes in AMI_LIMITS.items():
            for size, income in enumerate(incomes, start=1):
                chart.limits.append(
                    AmiChartLimit(
                        ami_percent=percent, household_size=size, annual_income=Decimal(income)
                    )
                )
        session.add(chart)
        added["charts"] += 1

    preferences = {}
    for data in PREFERENCES:
        preference = session.scalar(select(Preference).where(Preference.code == data["code"]))
        if preference is None:
            preference = Preference(**data)
            session.add(preference)
            added["preferences"] += 1
        preferences[data["code"]] = preference
    session.flush()

    for demo in LISTINGS:
        listing = session.scalar(select(Listing).where(Listing.name == demo.name))
        if listing is None:
            listing = _create_listing(demo, chart, preferences, storage, now)
            session.add(listing)
            added["listings"] += 1
        _set_dates(listing, demo, now)
        _set_income_floors(listing, demo)
    session.flush()
    for listing in session.scalars(
        select(Listing).where(Listing.name.in_([d.name for d in LISTINGS]))
    ):
        _translate(listing)
    from housing.lottery.registration import preregister

    for listing in session.scalars(
        select(Listing).where(Listing.name.in_([d.name for d in LISTINGS]))
    ):
        if listing.status is not ListingStatus.DRAFT:
            preregister(session, listing, now)  # as approval does; safe to repeat
    session.flush()
    _demo_lottery(session, now)
    return added


DEMO_LOTTERY = "Old Town Lofts"
_FIRST = ("Ana", "Bao", "Carmen", "Dmitri", "Esi", "Farah", "Gus", "Hana", "Ivan", "Jun", "Kofi")
_LAST = ("Alvarez", "Brooks", "Chen", "Diallo", "Evans", "Flores", "Garcia", "Ho", "Ibrahim")
_ID_LETTERS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _demo_claim(claimed: bool, as_veteran: bool) -> dict[str, Any]:
    if not claimed:
        return {"claimed": False}
    return {"claimed": True, "veteran": as_veteran}


def _demo_lottery(session: AnySession, now: datetime) -> None:
    """The closed demo listing gets 120 made-up applications and a published lottery, drawn
    as staff would (with a made-up beacon value), so the results, the results file, the PDF and
    the look-up can be tried. Deterministic, and done once."""
    from housing.applications.models import (
        Application,
        ApplicationChannel,
        ApplicationStatus,
        PreferenceClaim,
    )
    from housing.lottery.bundle import build_bundle
    from housing.lottery.draw import draw_inputs, record_run, request_draw
    from housing.lottery.freeze import freeze
    from housing.lottery.models import Lottery, LotteryStatus
    from housing.lottery.publish import publish
    from housing.lottery.seed import beacon_round_of, set_seed_inputs

    listing = session.scalar(select(Listing).where(Listing.name == DEMO_LOTTERY))
    lottery = session.scalar(
        select(Lottery).where(Lottery.listing_id == (listing.id if listing else -1))
    )
    if listing is None or lottery is None or lottery.status is not LotteryStatus.PREREGISTERED:
        return
    opened, due = listing.application_open_at, listing.application_due_at
    made: list[tuple[Application, dict[str, Any]]] = []
    for number in range(120):
        digest = hashlib.sha256(f"demo application {number}".encode()).digest()
        public_id = "".join(_ID_LETTERS[byte % len(_ID_LETTERS)] for byte in digest[:10])
        first, last = _FIRST[digest[10] % len(_FIRST)], _LAST[digest[11] % len(_LAST)]
        language = LOCALE_CODES[digest[18] % len(LOCALE_CODES)]
        answers: dict[str, Any] = {
            "language": language,
            "applicant": {
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}.{number}@example.org".lower(),
            },
            # A veteran status is claimed per preference: some households claim one preference
            # as veterans and another not.
            "preferences": {
                "NRHP": _demo_claim(digest[13] % 3 == 0, digest[12] % 4 == 0),
                "LW": _demo_claim(digest[14] % 2 == 0, digest[19] % 6 == 0),
            },
        }
        application = Application(
            public_id=public_id,
            listing=listing,
            channel=ApplicationChannel.PAPER if number % 8 == 0 else ApplicationChannel.ONLINE,
            status=ApplicationStatus.SUBMITTED,
            language=language,
            answers=answers,
            submitted_answers=answers,
            lottery_number=str(10_000_000 + int.from_bytes(digest[15:19]) % 90_000_000),
            applicant_name=f"{first} {last}",
            # Sizes and incomes for the dashboard and for matching units in lease-up.
            household_size=1 + digest[16] % 4,
            annual_income=Decimal(40_000 + digest[17] * 300),
            contact_email=answers["applicant"]["email"],
            submitted_at=opened + (due - opened) * (number + 0.5) / 120,
        )
        session.add(application)
        made.append((application, answers["preferences"]))
    session.flush()
    # The claims table the freeze reads, as each submission writes it.
    session.add_all(
        PreferenceClaim(
            application_id=application.id,
            preference_code=code,
            listing_id=listing.id,
            veteran=claim.get("veteran") is True,
        )
        for application, claims in made
        for code, claim in claims.items()
        if claim["claimed"]
    )
    session.flush()
    # Frozen two hours ago, so that the beacon round the rule names is out by now. The round's
    # signature is made up (not drand's), its value the SHA-256 of it, as drand's are.
    lottery = freeze(session, listing.id, None, now - timedelta(hours=2))
    signature = b"".join(hashlib.sha256(b"demo beacon signature %d" % n).digest() for n in range(3))
    set_seed_inputs(
        session,
        listing.id,
        None,
        now,
        beacon_source="",
        beacon_round=str(beacon_round_of(lottery) or 1),
        beacon_value=hashlib.sha256(signature).hexdigest(),
        beacon_signature=signature.hex(),
        reveals={},
    )
    lottery = request_draw(session, listing.id, None, now)
    assert lottery.manifest is not None and lottery.beacon is not None  # noqa: S101 - just set
    bundle = build_bundle(entrants=lottery.manifest, **draw_inputs(session, lottery))
    record_run(session, lottery, bundle, now)
    publish(session, listing.id, None, now)


def _translate(listing: Listing) -> None:
    """The listing's texts in every other locale, as its partner enters them; a listing that
    has translations keeps them."""
    if listing.translations:
        return
    translations: dict[str, dict[str, Any]] = {}
    for locale in LOCALE_CODES:
        if locale == DEFAULT_LOCALE:
            continue
        texts = listing_texts(listing.name, listing.street_address, locale)
        entry: dict[str, Any] = {
            field: texts[field]
            for field in TRANSLATABLE_FIELDS
            if field in texts and listing.source_text(field)
        }
        for document in listing.documents:
            if document.kind is DocumentKind.IMAGE:
                entry[document_text_key(document.id, "title")] = texts["image_title"]
                entry[document_text_key(document.id, "alt_text")] = texts["image_alt"]
            else:
                entry[document_text_key(document.id, "title")] = texts["checklist_title"]
        for event in listing.events:
            entry[event_text_key(event.id, "location")] = texts["event_location"]
        # As the partner's translation page records them: which English each one translates.
        entry["_sources"] = {key: source_digest(listing.source_text(key)) for key in entry}
        translations[locale] = entry
    listing.translations = translations


def _set_income_floors(listing: Listing, demo: DemoListing) -> None:
    """Homes for sale loaded before they had an income floor get theirs; a floor already set
    (by the demo or by a partner since) is kept."""
    for unit, planned in zip(listing.units, demo.units, strict=False):
        if unit.sale_price is None or unit.minimum_income or unit.minimum_ami_percent:
            continue
        unit.minimum_income = Decimal(planned.minimum_income) if planned.minimum_income else None
        unit.minimum_ami_percent = planned.minimum_ami


def _set_dates(listing: Listing, demo: DemoListing, now: datetime) -> None:
    listing.application_open_at = _local_deadline(now, demo.opens_in_days, 9)
    # A due date ends at midnight in the listing's time zone: 23:59:59 local.
    listing.application_due_at = _local_deadline(now, demo.due_in_days, 23) + timedelta(
        minutes=59, seconds=59
    )
    listing.lottery_at = _local_deadline(now, demo.due_in_days + 10, 10)
    listing.results_at = _local_deadline(now, demo.due_in_days + 12, 12)
    for event, offset in zip(listing.events, (-5, -2), strict=False):
        event.starts_at = _local_deadline(now, max(demo.opens_in_days, 0) + offset + 6, 18)
        event.ends_at = event.starts_at + timedelta(hours=1)


def _create_listing(
    demo: DemoListing,
    chart: AmiChart,
    preferences: dict[str, Preference],
    storage: Storage,
    now: datetime,
) -> Listing:
    agent_name, agent_email, agent_phone = demo.agent
    listing = Listing(
        name=demo.name,
        street_address=demo.street_address,
        city=CITY,
        state="CA",
        postal_code="94999",
        neighborhood=demo.neighborhood,
        developer=demo.developer,
        tenure=demo.tenure,
        status=demo.status,
        timezone=TIMEZONE,
        reserved_community=demo.reserved,
        senior_minimum_age=demo.senior_age,
        senior_rule=demo.senior_rule,
        description=demo.description,
        leasing_agent_name=agent_name,
        leasing_agent_title=SHARED_ENGLISH["leasing_agent_title"],
        leasing_agent_email=agent_email,
        leasing_agent_phone=agent_phone,
        leasing_office_address=f"{demo.street_address}, {CITY}, CA 94999",
        paper_application_instructions=SHARED_ENGLISH["paper_application_instructions"],
        **{"office_hours": SHARED_ENGLISH["office_hours"], **demo.extra},
    )
    for position, unit in enumerate(demo.units):
        listing.units.append(
            Unit(
                position=position,
                unit_type=unit.unit_type,
                unit_count=unit.count,
                ami_chart=chart,
                ami_percent=unit.ami_percent,
                monthly_rent=Decimal(unit.rent) if unit.rent else None,
                rent_percent_of_income=Decimal(unit.rent_percent) if unit.rent_percent else None,
                rent_multiple=Decimal(unit.multiple) if unit.multiple and unit.rent else None,
                sale_price=Decimal(unit.price) if unit.price else None,
                hoa_dues=Decimal(unit.hoa) if unit.hoa else None,
                minimum_income=Decimal(unit.minimum_income) if unit.minimum_income else None,
                minimum_ami_percent=unit.minimum_ami,
                accessibility=unit.accessibility,
                square_feet=unit.square_feet,
            )
        )
    for rank, (code, share) in enumerate(demo.preferences, start=1):
        listing.preferences.append(
            ListingPreference(
                preference=preferences[code],
                rank=rank,
                unit_share_percent=share,
                veterans_first=True,
            )
        )
    for kind, offset in ((EventKind.INFO_SESSION, -5), (EventKind.OPEN_HOUSE, -2)):
        starts = _local_deadline(now, max(demo.opens_in_days, 0) + offset + 6, 18)
        listing.events.append(
            ListingEvent(
                kind=kind,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                location=SHARED_ENGLISH["event_location"].format(street=demo.street_address),
            )
        )
    flyer = pdf_document(
        demo.name, [f"{demo.street_address}, {CITY}", "Application checklist and building rules."]
    )
    picture = png_picture(240, 160, *demo.colours)
    listing.documents.extend(
        [
            ListingDocument(
                kind=DocumentKind.IMAGE,
                position=0,
                title=SHARED_ENGLISH["image_title"].format(name=demo.name),
                alt_text=SHARED_ENGLISH["image_alt"].format(name=demo.name),
                original_filename="building.png",
                storage_key=storage.save(io.BytesIO(picture), suffix=".png"),
                content_type="image/png",
                byte_size=len(picture),
            ),
            ListingDocument(
                kind=DocumentKind.DOCUMENT,
                position=1,
                title=SHARED_ENGLISH["checklist_title"],
                original_filename="application-checklist.pdf",
                storage_key=storage.save(io.BytesIO(flyer), suffix=".pdf"),
                content_type="application/pdf",
                byte_size=len(flyer),
            ),
        ]
    )
    return listing
