"""What the test lanes share: paths and built-site requirements, bundles to tamper with, live
servers, Chromium pages, the parity references and the small-pipeline matrix. Test modules import
from here, never from one another."""
