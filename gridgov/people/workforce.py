"""Workforce figures as district offices report them: degrees, age bands, exams, certificates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.people.models import Education, SocialWorkCertificate, User

# A college degree (大专 and above), the share district offices report for grid workers.
COLLEGE_EDUCATION = (Education.VOCATIONAL, Education.BACHELOR, Education.POSTGRADUATE)
# Age bands (inclusive lower bound, exclusive upper bound, label) as in district workforce reports.
AGE_BANDS = (
    (0, 30, _("under 30")),
    (30, 40, _("30–39")),
    (40, 50, _("40–49")),
    (50, 200, _("50 and over")),
)


@dataclass(frozen=True)
class AgeBand:
    label: str
    count: int


@dataclass(frozen=True)
class Workforce:
    """Counts over a set of staff; shares are fractions of `total` (0 when there is nobody)."""

    total: int
    college: int
    passed_exam: int
    certified: int
    age_unknown: int
    age_bands: list[AgeBand]

    def share(self, count: int) -> float:
        """Return count as a fraction of the total."""
        return count / self.total if self.total else 0.0

    @property
    def college_share(self) -> float:
        return self.share(self.college)

    @property
    def passed_exam_share(self) -> float:
        return self.share(self.passed_exam)

    @property
    def certified_share(self) -> float:
        return self.share(self.certified)


def age(birth_year: int | None, today: datetime.date | None = None) -> int | None:
    """Return the age reached in the current year, or None when the birth year is unknown."""
    if birth_year is None:
        return None
    return (today or timezone.localdate()).year - birth_year


def summarise(staff: QuerySet[User], today: datetime.date | None = None) -> Workforce:
    """Return the workforce figures of the staff in one aggregate query."""
    year = (today or timezone.localdate()).year
    bands = {
        f"band_{index}": Count(
            "pk", filter=Q(birth_year__gt=year - upper, birth_year__lte=year - lower), distinct=True
        )
        for index, (lower, upper, _label) in enumerate(AGE_BANDS)
    }
    # `distinct` because callers filter through posts, which multiplies rows.
    row = staff.order_by().aggregate(
        total=Count("pk", distinct=True),
        college=Count("pk", filter=Q(education__in=COLLEGE_EDUCATION), distinct=True),
        passed_exam=Count("pk", filter=Q(passed_exam=True), distinct=True),
        certified=Count("pk", filter=~Q(social_work_certificate=SocialWorkCertificate.NONE), distinct=True),
        age_unknown=Count("pk", filter=Q(birth_year__isnull=True), distinct=True),
        **bands,
    )
    return Workforce(
        total=row["total"],
        college=row["college"],
        passed_exam=row["passed_exam"],
        certified=row["certified"],
        age_unknown=row["age_unknown"],
        age_bands=[
            AgeBand(label=str(label), count=row[f"band_{index}"])
            for index, (_lower, _upper, label) in enumerate(AGE_BANDS)
        ],
    )
