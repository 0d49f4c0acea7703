"""Test configuration: two hypothesis profiles.

- ``ci`` (``CI`` set, as ``.ci/run`` has it): every property test runs its full number of examples
  on a fixed derandomized set, so a landing never depends on the luck of the draw.
- ``dev`` (the default): new random examples each run, but a quarter as many (`budget.examples`),
  so a local ``make test`` stays quick. ``CI=true make test`` runs what CI runs.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=25)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
