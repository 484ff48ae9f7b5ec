"""The domain's texts of the buyer's flow in Spanish (issue 13): stock and burn-rate errors with
their numbers written the Spanish way, a request's state, a match step refused. English as before."""
from datetime import date

import pytest

from marketplace.domain import i18n
from marketplace.domain.demand import request_state
from marketplace.domain.match_status import MATCH_ACTIONS, MatchTransitionError, clean_delivery_on, match_transition
from marketplace.domain.stock import parse_stock

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True, scope="module")
def _catalogues():
    i18n.compile_catalogues()  # as the app does at start


def test_stock_errors_read_in_spanish_with_spanish_numbers():
    raw = {"stock_on_hand": "12000", "stock_counted_on": "2026-12-03", "avg_daily_use": "142.8571",
           "days_of_supply": "30"}
    with i18n.use_locale("es"):
        __, errors = parse_stock(raw, TODAY)
    assert errors == {"days_of_supply": "12.000 unidades contadas el 3 dic 2026 a 142,8571 al día duran 84 días "
                                        "desde hoy, no 30: deje vacíos los días de existencias o corrija los recuentos."}
    with i18n.use_locale("en"):
        __, errors = parse_stock(raw, TODAY)
    assert errors["days_of_supply"].startswith("12,000 units counted on Dec 3, 2026 at 142.8571 a day last 84 days")


def test_a_burn_rate_without_use_and_a_missing_daily_use_read_in_spanish():
    with i18n.use_locale("es"):
        __, errors = parse_stock({"stock_on_hand": "900", "first_count": "500", "first_counted_on": "2026-11-26",
                                  "received_between": "100"}, TODAY)
        assert errors["first_count"].startswith("Estos recuentos no dan consumo: 500 + 100 recibidas - 900 en "
                                                "existencia = -300 unidades.")
        __, errors = parse_stock({"stock_on_hand": "900"}, TODAY)
        assert errors["avg_daily_use"].startswith("Indique el consumo diario promedio (unidades al día)")


def test_a_fulfilled_request_and_a_refused_match_step_read_in_spanish():
    with i18n.use_locale("es"):
        assert request_state("open", 12000, {"delivered": 12000}).text == "Completada: 12.000 de 12.000 entregadas"
        assert request_state("open", 4000, {"proposed": 4000}).text == "Propuesta: 4.000 de 4.000"
        assert request_state("open", 4000, {"proposed": 1000, "delivered": 1}).text == (
            "Propuesta en parte: 1.001 de 4.000, de ellas 1 entregada")
        assert request_state("withdrawn", 4000, {"accepted": 500}).text == "Retirada: 500 aceptadas aún en curso"
        assert MATCH_ACTIONS["accept"].text == "Aceptar"
        with pytest.raises(MatchTransitionError, match="^«Aceptar» no le corresponde en esta propuesta.$"):
            match_transition("accept", "proposed", "supplier")
        with pytest.raises(ValueError, match="^1 dic 2026 ya pasó: la fecha de entrega debe ser hoy"):
            clean_delivery_on("2026-12-01", TODAY)
    assert request_state("open", 12000, {"delivered": 12000}).text == "Fulfilled: 12,000 of 12,000 delivered"
    assert MATCH_ACTIONS["accept"].text == "Accept"
