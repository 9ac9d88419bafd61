import sys

from python_ml.cli import main

# guarded: worker processes (spawn) import the main module again
if __name__ == "__main__":
    sys.exit(main())
