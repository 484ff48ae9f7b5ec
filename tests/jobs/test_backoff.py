"""The waits between reconnection attempts (issue 10, item 12): 0.5 s doubling, capped at 30 s."""
from marketplace.jobs.worker import RECONNECT_FIRST, RECONNECT_MAX, Backoff, StopFlag


def test_waits_double_up_to_the_cap_and_start_again_after_a_success():
    backoff = Backoff()
    waits = [backoff.next() for _ in range(9)]
    assert waits == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert (RECONNECT_FIRST, RECONNECT_MAX) == (0.5, 30)
    backoff.reset()
    assert backoff.next() == 0.5


def test_a_stop_request_ends_a_wait():
    stop = StopFlag()
    stop.requested = True
    assert stop.wait(3600) is True
    assert StopFlag().wait(0) is False
