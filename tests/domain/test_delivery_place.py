"""One delivery address on a match (domain.facility.delivery_place): the request's ZIP is where to
deliver; the organisation's address is the delivery address only when it lies in that ZIP."""
from marketplace.domain.facility import delivery_place


def test_the_organisations_address_in_another_zip_is_not_the_delivery_address():
    place = delivery_place("90033", "2131 W 3rd St", "Los Angeles", "CA", "90057")
    assert (place.zip, place.same_zip, place.address) == ("90033", False, "2131 W 3rd St, Los Angeles, CA, 90057")
    # The second of the kind: a care home's head office across town.
    assert not delivery_place("90802", "12 Pine Ave", "Irvine", "CA", "92618").same_zip


def test_the_address_in_the_requests_zip_is_the_one_delivery_address():
    assert delivery_place("90012", "4471 Quillfeather Lane", "Los Angeles", "CA", "90012").same_zip
    assert delivery_place("90012", "4471 Quillfeather Lane", "Los Angeles", "CA", "90012-1234").same_zip  # ZIP+4
    empty = delivery_place("90012", "", None, "", None)
    assert (empty.same_zip, empty.address) == (False, "")
