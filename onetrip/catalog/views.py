"""The public service guide (办事指南): browse by department, life theme and region; the
guide of one item with its materials, fees, limits, channels and instant approval."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.catalog import selectors
from onetrip.catalog.models import ApplicantKind, LifeTheme
from onetrip.core.errors import NotFound

PAGE_SIZE = 20

# The sectors of competent departments, by Department.kind.
DEPARTMENT_KINDS = [
    ("public_security", gettext_lazy("Public security")),
    ("civil_affairs", gettext_lazy("Civil affairs")),
    ("market_regulation", gettext_lazy("Market regulation")),
    ("hrss", gettext_lazy("Human resources and social security")),
    ("housing", gettext_lazy("Housing and urban-rural development")),
    ("transport", gettext_lazy("Transport")),
    ("health", gettext_lazy("Health")),
    ("education", gettext_lazy("Education")),
    ("natural_resources", gettext_lazy("Natural resources and planning")),
    ("medical_security", gettext_lazy("Medical security")),
    ("disabled_persons", gettext_lazy("Disabled persons' federation")),
]


def _clean_choice(value: str | None, choices: list[tuple[str, object]]) -> str:
    return value if value in {key for key, _label in choices} else ""


def guide(request: HttpRequest) -> HttpResponse:
    """Browse and search the service items."""
    department = _clean_choice(request.GET.get("dept"), DEPARTMENT_KINDS)
    theme = _clean_choice(request.GET.get("theme"), LifeTheme.choices)
    kind = _clean_choice(request.GET.get("kind"), ApplicantKind.choices)
    region = (request.GET.get("region") or "").strip()[:6]
    query = (request.GET.get("q") or "").strip()[:100]
    items = selectors.item_list(
        department_kind=department or None,
        theme=theme or None,
        region=region or None,
        applicant_kind=kind or None,
        query=query,
        with_implementations=True,
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for item in page.object_list:
        implementations = list(item.implementations.all())
        rows.append(
            {
                "item": item,
                "instant": any(selectors.has_instant_approval(i) for i in implementations),
                "id_only": any(selectors.is_id_only(i) for i in implementations),
                "zero_trip": any(i.visits_required == 0 for i in implementations),
                "implementations": len(implementations),
            }
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/guide.html",
        {
            "page": page,
            "rows": rows,
            "department_kinds": DEPARTMENT_KINDS,
            "themes": LifeTheme.choices,
            "applicant_kinds": ApplicantKind.choices,
            "regions": selectors.region_list(),
            "selected": {
                "dept": department,
                "theme": theme,
                "kind": kind,
                "region": region,
                "q": query,
            },
            "query_string": params.urlencode(),
            "nav": "guide",
        },
    )


def item_detail(
    request: HttpRequest, code: str, implementation_id: int | None = None
) -> HttpResponse:
    """The guide of one item: the six uniform elements, the regions offering it, and the full
    guide of one implementation (the chosen one, else the first)."""
    try:
        item = selectors.item_detail(code=code)
    except NotFound:
        raise Http404(_("No service item with this code.")) from None
    implementations = list(item.implementations.all())
    if implementation_id is None and implementations:
        implementation_id = implementations[0].id
    implementation = None
    if implementation_id is not None:
        if implementation_id not in {i.id for i in implementations}:
            raise Http404(_("No such service."))
        implementation = selectors.implementation_detail(implementation_id=implementation_id)
    context = {
        "item": item,
        "implementations": implementations,
        "implementation": implementation,
        "department_kinds": dict(DEPARTMENT_KINDS),
        "nav": "guide",
    }
    if implementation is not None:
        materials = list(implementation.materials.all())
        context.update(
            {
                "materials": materials,
                "rules": [r for r in implementation.instant_rules.all() if r.is_active],
                "instant": selectors.has_instant_approval(implementation),
                "id_only": selectors.is_id_only(implementation),
                "uploads_needed": sum(1 for m in materials if not m.is_fetched),
            }
        )
    return render(request, "catalog/item_detail.html", context)
