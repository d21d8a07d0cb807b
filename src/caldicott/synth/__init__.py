"""A synthetic UK population as a FHIR R4 Bulk Data export (``caldicott synth``).

The model and the sources of its figures are in ``docs/synthetic-data.md``. Every random
draw is a pure function of the seed, the patient's index and a named stream
(:mod:`caldicott.synth.streams`), so the output does not depend on how patients are
chunked, and the same seed and arguments give byte-identical files.
"""

from caldicott.synth.config import SynthConfig
from caldicott.synth.demographics import deprivation_quintile
from caldicott.synth.generate import GENERATOR_VERSION, SynthResult, synthesise

__all__ = ["GENERATOR_VERSION", "SynthConfig", "SynthResult", "deprivation_quintile", "synthesise"]
