"""Loading FHIR data: read, parse strictly, validate, load in atomic batches, quarantine.

The flow follows the folders: :mod:`sources` walks files and yields raw records with
their file and line or entry number; :mod:`parse` turns bytes into JSON strictly;
:mod:`validate` checks a resource and returns machine-readable :mod:`reasons`;
:mod:`loader` writes accepted records to the warehouse in atomic batches, defers records
whose references are not yet resolved, and hands everything refused to :mod:`quarantine`.
:mod:`quality` reports on a load and on the whole warehouse.
"""
