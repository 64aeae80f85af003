"""``python -m onething``: the same command line as the ``onething`` script."""

from onething.cli.main import main

if __name__ == "__main__":
    main(prog_name="onething")
