from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from pam.audio.ring import SampleRing


def counter(start: int, n: int) -> np.ndarray:
    """Samples whose value is their own sample clock (mod 2**16), so any sample checks itself."""
    return (np.arange(start, start + n, dtype=np.int64) & 0xFFFF).astype(np.uint16).view(np.int16)


def test_capacity_is_rounded_up_to_a_power_of_two() -> None:
    assert [SampleRing(n).capacity for n in (1, 2, 3, 1000, 1024, 1025)] == [1, 2, 4, 1024, 1024, 2048]
    with pytest.raises(ValueError):
        SampleRing(0)


def test_reads_return_the_sample_clock_and_wait_for_enough_samples() -> None:
    ring = SampleRing(16)
    assert ring.read(1) is None
    ring.write(counter(0, 5))
    assert ring.write_pos == 5 and ring.available() == 5
    assert ring.read(6) is None
    start, samples = ring.read(3) or (None, None)
    assert start == 0 and samples is not None and samples.tolist() == [0, 1, 2]
    assert ring.reader_pos == 3 and ring.available() == 2


def test_wrap_around_keeps_order() -> None:
    ring = SampleRing(8)
    delivered = []
    for i in range(20):
        ring.write(counter(3 * i, 3))
        got = ring.read(3)
        assert got is not None and got[0] == 3 * i
        delivered.extend(got[1].tolist())
    assert delivered == list(range(60))
    assert ring.overruns == 0 and ring.lost_samples == 0


def test_overrun_skips_to_the_oldest_valid_sample_and_counts_the_loss() -> None:
    ring = SampleRing(16)
    for i in range(5):
        ring.write(counter(8 * i, 8))  # 40 samples into 16 slots
    got = ring.read(4)
    assert got is not None
    assert got[0] == 24 and got[1].tolist() == [24, 25, 26, 27]
    assert ring.lost_samples == 24 and ring.overruns == 1
    ring.write(counter(40, 30))  # a block bigger than the ring keeps its newest samples
    got = ring.read(16)
    assert got is not None and got[0] == 54 and got[1].tolist() == list(range(54, 70))
    assert ring.lost_samples == 24 + 26 and ring.overruns == 2


def test_read_into_fills_a_given_array_and_skip_to_drops() -> None:
    ring = SampleRing(16)
    ring.write(counter(0, 10))
    out = np.zeros(4, dtype=np.int16)
    assert ring.read_into(out) == 0 and out.tolist() == [0, 1, 2, 3]
    assert ring.skip_to(8) == 4
    assert ring.skip_to(100) == 2  # clamped to what was written
    assert ring.available() == 0 and ring.lost_samples == 0


def test_a_read_overwritten_while_copying_is_discarded_and_retried() -> None:
    ring = SampleRing(16)
    ring.write(counter(0, 16))

    class ProducerStrikesMidCopy(np.ndarray):
        """Stands in for the callback thread running between the reader's copy and its check."""

        def __setitem__(self, key: object, value: object) -> None:
            super().__setitem__(key, value)
            if ring.write_pos == 16:
                ring.write(counter(16, 8))  # overwrites samples 0..7, being copied right now

    out = np.zeros(4, dtype=np.int16).view(ProducerStrikesMidCopy)
    assert ring.read_into(out) == 8
    assert np.asarray(out).tolist() == [8, 9, 10, 11]
    assert ring.lost_samples == 8 and ring.overruns == 1


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.mark.usefixtures("eager_thread_switches")
def test_concurrent_producer_and_consumer_deliver_only_correct_samples() -> None:
    # copies over ~500 samples run with the GIL released, so big blocks really overlap
    ring = SampleRing(4096)
    total = 2_000_000
    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 1500, size=total)
    done = threading.Event()

    def produce() -> None:
        pos = 0
        for size in sizes:
            n = int(min(size, total - pos))
            if n <= 0:
                break
            ring.write(counter(pos, n))
            pos += n
            time.sleep(0)  # let the consumer run, as a paced audio callback would
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    delivered = 0
    last_end = 0
    reads = 0
    while not (done.is_set() and ring.available() < 2048):
        n = int(rng.integers(1, 2048))
        if n % 50 == 0:
            time.sleep(0.001)  # a slow moment in the reader: the producer laps it
        got = ring.read(n)
        if got is None:
            continue
        start, samples = got
        assert start >= last_end, "the clock never goes backwards"
        assert np.array_equal(samples, counter(start, n)), f"wrong samples at {start}"
        last_end = start + n
        delivered += n
        reads += 1
    producer.join()
    assert ring.write_pos == total
    assert ring.reader_pos == delivered + ring.lost_samples
    assert reads > 200
    assert ring.overruns > 0, "the test is meant to make the producer lap the reader"
