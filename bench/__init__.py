"""Benchmarks: ``python -m bench`` runs every module here, ``python -m bench NAME...`` some.

Each module defines ``main() -> None`` that prints its own table. Absolute times depend on
the machine, so every benchmark compares against a baseline measured in the same run.
"""
