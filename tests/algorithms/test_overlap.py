"""The worker that folds batches while the next is read: order, errors, and no work left behind."""

import threading

import pytest

from smemu.algorithms.overlap import Overlapped


def test_work_runs_in_order_in_another_thread_and_is_done_at_the_end():
    seen, threads = [], set()

    def fold(i):
        threads.add(threading.get_ident())
        seen.append(i)

    with Overlapped() as work:
        for i in range(200):
            work.submit(fold, i)
    assert seen == list(range(200))
    assert threading.get_ident() not in threads and len(threads) == 1


def test_an_error_in_the_work_reaches_the_caller_and_stops_the_loop():
    done = []

    def fold(i):
        if i == 3:
            raise ValueError("batch 3 is bad")
        done.append(i)

    with pytest.raises(ValueError, match="batch 3 is bad"):
        with Overlapped() as work:
            for i in range(10):
                work.submit(fold, i)
    assert done == [0, 1, 2]            # raised at the next submit: nothing after it ran


def test_an_error_in_the_reader_leaves_no_worker_running():
    with pytest.raises(RuntimeError):
        with Overlapped() as work:
            work.submit(lambda: None)
            raise RuntimeError("the channel broke")
    assert not [t for t in threading.enumerate() if t.name.startswith("smemu-batch")]
