"""Benchmarks of the planner and the dispatcher: ``python -m bench.plan_bench`` and
``python -m bench.dispatch_bench`` (see ``bench/README.md``)."""
