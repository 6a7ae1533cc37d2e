"""`python -m pipeline.cli`: the `wirewatch` command, for child processes and tests."""

from pipeline.cli.main import entry

# Guarded: a model lane's child process (pipeline/embedding/process.py) imports this
# module again under another name, and must not run the command.
if __name__ == "__main__":
    entry()
