"""mapconf runner: reads the spec table, runs the cases, writes the reports."""

VERSION = "0.1.0"
