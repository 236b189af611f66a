"""Settings every test module shares."""

from hypothesis import settings

# Hypothesis's per-example deadline (200 ms) is a timing assertion: on a loaded two-core CI
# machine a correct example can take longer, and the test would fail for the machine, not the
# code. Speed is measured by bench/, never asserted in tests.
settings.register_profile("phxstack", deadline=None)
settings.load_profile("phxstack")
