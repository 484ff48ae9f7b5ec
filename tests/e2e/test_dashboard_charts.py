"""The dashboard's charts stay readable (a fresh user's walk): on a phone the legend took most of
the chart and the plot area was about 50 px tall; on a desktop one 50-million-unit lead flattened
every other bar of a linear axis. Now the legend is small and below on a narrow screen, bars run
sideways there, the plot is never shorter than 220 px (static/js/dashboard.js), and a few bars far
above the rest are cut short at the axis' end given by the page (domain.dashboard.axis_cap), each
with its number written on it and a note under the chart."""
import pytest

from marketplace.extensions import db
from marketplace.services import dashboard
from tests.conftest import DEFAULT_PASSWORD, make_user
from tests.e2e.conftest import DESKTOP, PHONE, expect, sign_in
from tests.services.test_dashboard import _lead, build_scenario

pytestmark = pytest.mark.e2e

CHARTS = ("supply", "shortfall", "funnel", "backlog")
AREA = "n => { const a = Chart.getChart(document.getElementById('chart-' + n)).chartArea; return a.bottom - a.top; }"


@pytest.fixture
def outlier_world(clean_app):
    """build_scenario and the shortfall scenario, and one approved lead of 50,000,000 N95."""
    from tests.web.test_dashboard import short_scenario

    with clean_app.app_context():
        build_scenario()
        short_scenario()
        _lead(7, "n95_respirator", 50_000_000, "approved", 24, 1, 2)
        db.session.commit()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "vera@lacity.example.org")
        db.session.remove()


def _dashboard(open_page, **options):
    page = open_page(**options)
    sign_in(page, "vera@lacity.example.org", DEFAULT_PASSWORD)
    page.goto("/dashboard")
    page.wait_for_function(f"() => window.Chart && {list(CHARTS)!r}.every("
                           "n => Chart.getChart(document.getElementById('chart-' + n)))")
    return page


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_every_chart_has_a_plot_area_at_least_200_px_tall(open_page, outlier_world, language):
    page = _dashboard(open_page, viewport=PHONE, is_mobile=True, has_touch=True,
                      extra_http_headers={"Accept-Language": language})
    for name in CHARTS:
        assert page.evaluate(f"({AREA})('{name}')") >= 200, name
    supply = "Chart.getChart(document.getElementById('chart-supply'))"
    assert page.evaluate(f"() => {supply}.options.plugins.legend.position") == "bottom"
    assert page.evaluate(f"() => {supply}.options.indexAxis") == "y"  # category names written in full
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Turned to a desktop width, the charts are drawn again in the desktop's layout.
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(f"() => {supply} && {supply}.options.indexAxis === 'x'")
    assert page.evaluate(f"() => {supply}.options.plugins.legend.position") == "top"
    for name in CHARTS:
        assert page.evaluate(f"({AREA})('{name}')") >= 200, name
    assert page.errors == []


def test_one_huge_lead_is_cut_short_and_labelled_so_the_other_bars_stay_readable(open_page, outlier_world):
    page = _dashboard(open_page)
    chart = "Chart.getChart(document.getElementById('chart-supply'))"
    cap = page.evaluate(f"() => {chart}.scales.y.max")
    assert cap == 20_000  # gloves' 10,100 still needed is the tallest bar left: x 1.25, rounded up
    labels = page.evaluate(f"() => {chart}.$cutShort")
    assert [label["text"] for label in labels] == ["50,000,800 \u25B8"]  # N95 free supply (50,000,000 + 800)
    # N95's 3,000 still needed is a bar of some 15% of the plot, not a pixel (it was 0.006%).
    height = page.evaluate(f"() => {{ const c = {chart}; const bar = c.getDatasetMeta(0).data["
                           f"c.data.labels.indexOf('N95 respirator')]; return bar.base - bar.y; }}")
    plot = page.evaluate(f"({AREA})('supply')")
    assert height >= 0.1 * plot, (height, plot)
    expect(page.locator("#supply-heading ~ .chart-note")).to_contain_text(
        "The axis ends at 20,000 so that the small bars stay readable")
    # The charts without an outlier keep an axis that fits every bar, and no note.
    assert page.evaluate("() => Chart.getChart(document.getElementById('chart-backlog')).options.scales.x.max") is None
    expect(page.locator("#backlog-heading ~ .chart-note")).to_have_count(0)
    assert page.errors == []
