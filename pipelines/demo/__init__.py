"""Fictitious demo data: raw files in the real source formats, on the real geography of départements."""

from pipelines.demo.generator import generate_demo

__all__ = ["generate_demo"]
