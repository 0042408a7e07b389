"""Engine: compile strategies, decide next actions, guard them at run time."""
