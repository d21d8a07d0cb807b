"""FHIRPath for views: a lexer and parser to a frozen tree, and static checks."""

from caldicott.views.fhirpath.ast import Expr
from caldicott.views.fhirpath.check import FUNCTIONS, CheckError, check
from caldicott.views.fhirpath.parser import FhirPathSyntaxError, parse

__all__ = ["FUNCTIONS", "CheckError", "Expr", "FhirPathSyntaxError", "check", "parse"]
