"""Renderers: what a clerk prints and a citizen reads, made from a compiled manifest only.

The combined form (HTML, JSON Schema), the one-time notification sheet, department packets
and the answers check. They read manifests (plain JSON data), never bundle YAML; templates
live in the top-level ``forms/`` folder (shipped with the package) and can be overridden.
"""
