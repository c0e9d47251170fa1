"""Placeholder blueprint: filled in by its own issue."""

from flask import Blueprint

bp = Blueprint("sparql", __name__)
