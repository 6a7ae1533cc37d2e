"""kafka-python (ingest, the benchmark's producer, the offsets read at a clean stop)
checksums every record batch; in pure Python that was most of `wirewatch ingest`'s CPU
(a 77 MB feed: 15.5 s of CPU, 5.8 s with the C checksum)."""

from kafka.record import util


def test_kafka_python_checksums_record_batches_in_c() -> None:
    # kafka-python picks the C checksum of the `crc32c` package when it can import it.
    assert util._crc32c is not util.crc32c_py, "crc32c is not installed (pyproject.toml)"


def test_the_c_checksum_agrees_with_kafka_pythons_own() -> None:
    data = memoryview(bytes(range(256)) * 40)
    assert util.calc_crc32c(data) == util.crc32c_py(data)
