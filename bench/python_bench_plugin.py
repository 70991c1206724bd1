"""The trivial plugin function of python_bench.py (its own module: the
worker executes the module a function comes from, and the bench script's
top-level imports of praxis would not be importable in the sandbox)."""


def noop():
    return None
