"""Compiler flags for aiosim's own code, kept in one place."""

# Warnings are errors on our code. Exceptions, each with a reason:
# - none yet.
AIOSIM_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",  # kernel-shaped signatures keep unused args for fidelity
]
