"""Running slots: a job moves from waiting to running when it starts, and back or out when it ends."""

from jobqueue.adapters.dynamodb import keys


def state(counters):
    snapshot = counters.snapshot("acme")
    return snapshot.waiting, snapshot.running


def test_a_start_moves_one_job_from_waiting_to_running_in_one_write(counters, aws_env):
    # Given 3 waiting jobs
    counters.reserve_waiting("acme", 3, 10)
    version = counters.snapshot("acme").shards[0].version

    # When one starts
    assert counters.take_running("acme", 2)

    # Then it is running and no longer waiting, in a single write
    assert state(counters) == (2, 1)
    assert counters.snapshot("acme").shards[0].version == version + 1


def test_a_start_over_the_concurrency_limit_is_refused_and_changes_nothing(counters, aws_env):
    # Given 2 of 2 slots taken and 1 job waiting
    counters.reserve_waiting("acme", 3, 10)
    assert counters.take_running("acme", 2)
    assert counters.take_running("acme", 2)
    before = aws_env.table().get_item(Key=keys.tenant_counter_key("acme"))["Item"]

    # When the third asks for a slot
    started = counters.take_running("acme", 2)

    # Then it is refused, the job stays waiting, and nothing was written
    assert started is False
    assert aws_env.table().get_item(Key=keys.tenant_counter_key("acme"))["Item"] == before


def test_a_lowered_limit_refuses_until_enough_jobs_finish(counters, aws_env):
    # Given 3 running jobs, then the admin lowers the limit to 2
    counters.reserve_waiting("acme", 4, 10)
    for _ in range(3):
        assert counters.take_running("acme", 5)

    # When one finishes, a start is still refused; when two have finished, it goes
    counters.give_running("acme")
    refused = counters.take_running("acme", 2)
    counters.give_running("acme")
    started = counters.take_running("acme", 2)

    assert (refused, started) == (False, True)
    assert state(counters) == (0, 2)


def test_a_finished_job_gives_its_slot_back(counters, aws_env):
    counters.reserve_waiting("acme", 1, 10)
    counters.take_running("acme", 1)

    assert counters.give_running("acme")

    assert state(counters) == (0, 0)


def test_a_requeued_job_is_waiting_again_the_inverse_of_a_start(counters, aws_env):
    # Given a started job (from 2 waiting)
    counters.reserve_waiting("acme", 2, 10)
    counters.take_running("acme", 1)

    # When it goes back to the queue (a retry, or the claim after the start was lost)
    assert counters.give_running("acme", requeued=True)

    # Then the counters are as before the start
    assert state(counters) == (2, 0)


def test_release_running_never_goes_below_zero(counters, aws_env):
    # When a slot is given back that nobody holds (a duplicate finish)
    released = counters.give_running("acme")

    # Then nothing is given back and running stays 0
    assert released is False
    assert state(counters) == (0, 0)


def test_a_requeue_without_a_slot_still_counts_the_job_as_waiting(counters, aws_env):
    released = counters.give_running("acme", requeued=True)

    assert released is False
    assert state(counters) == (1, 0)


def test_a_start_with_a_drifted_waiting_count_still_takes_the_slot(counters, aws_env):
    # Given a counter that says nothing waits (drift: a job exists that it does not know of)
    # When that job starts
    started = counters.take_running("acme", 2)

    # Then it runs, waiting is not taken below 0, and reconciliation will see the rest
    assert started
    assert state(counters) == (0, 1)
