"""The composition root: the web app, the command line, and what features register."""

from qurb.caravans.catalogue import DEFINITIONS_FILE as CARAVAN_DEFINITIONS
from qurb.kernel.definitions import register_definitions

# The figures a feature defines are listed after the bundled ones, in this order.
register_definitions(CARAVAN_DEFINITIONS)
