"""domain.idempotency: a request's fingerprint is its method, path and canonical body."""
from marketplace.domain.idempotency import canonical_json, canonical_multipart, request_fingerprint, same_request


def test_the_same_object_written_otherwise_is_the_same_request():
    one = canonical_json({"quantity": 3000, "unit_price": "0.85"})
    assert one == canonical_json({"unit_price": "0.85", "quantity": 3000}) == b'{"quantity":3000,"unit_price":"0.85"}'
    assert request_fingerprint("POST", "/api/v1/leads", one) == request_fingerprint("post", "/api/v1/leads", one)


def test_another_body_path_or_method_is_another_request():
    body = canonical_json({"quantity": 3000})
    base = request_fingerprint("POST", "/api/v1/leads", body)
    assert len(base) == 64
    assert base != request_fingerprint("POST", "/api/v1/leads", canonical_json({"quantity": "999999"}))
    assert base != request_fingerprint("POST", "/api/v1/requests", body)
    assert base != request_fingerprint("PUT", "/api/v1/leads", body)
    # Length-prefixed parts: moving bytes from the path into the body does not give the same digest.
    assert request_fingerprint("POST", "/a", b"b") != request_fingerprint("POST", "/", b"ab")


def test_a_multipart_body_is_its_fields_and_files_in_any_order():
    one = canonical_multipart([("a", "1"), ("b", "2")], [("document", "x.pdf", "ab" * 32)])
    assert one == canonical_multipart([("b", "2"), ("a", "1")], [("document", "x.pdf", "ab" * 32)])
    assert one != canonical_multipart([("a", "1"), ("b", "2")], [("document", "x.pdf", "cd" * 32)])


def test_a_receipt_without_a_fingerprint_matches_any_request():
    assert same_request(None, "f" * 64) and same_request("f" * 64, "f" * 64) and not same_request("e" * 64, "f" * 64)
