#!/usr/bin/python3
"""A Python plugin: params JSON on stdin, result JSON on stdout.

It declares no capability: it can read the Python installation under /usr
and nothing else, and cannot write, connect or start programs."""
import json
import statistics
import sys


def main():
    params = json.load(sys.stdin)
    numbers = params.get("numbers")
    if not isinstance(numbers, list) or not numbers:
        json.dump({"error": "params.numbers must be a non-empty list"}, sys.stdout)
        return 1
    result = {
        "count": len(numbers),
        "mean": statistics.fmean(numbers),
        "median": statistics.median(numbers),
        "stdev": statistics.stdev(numbers) if len(numbers) > 1 else 0.0,
    }
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
