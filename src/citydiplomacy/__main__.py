"""``python -m citydiplomacy``: the command line, as the ``citydiplomacy`` command."""

from citydiplomacy.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
