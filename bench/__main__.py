"""`python -m bench`: run the benchmarks and print the results table."""

from bench.cli import main

if __name__ == "__main__":
    main()
