"""`python -m seed`: see :mod:`seed.cli`."""

from seed.cli import main

if __name__ == "__main__":
    main()
